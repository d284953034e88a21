using System.Globalization;
using System.Text;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Adoption;

/// <summary>One field to write into the code: its drift path, what the cluster has (JSON; null: absent), and what the code has now (JSON; null: absent).</summary>
public sealed record FieldEdit(string Path, string? Live, string? Desired);

/// <summary>A field that could not be written, and why.</summary>
public sealed record EditRefusal(string Path, string Reason);

/// <summary>
/// Writes live values into a YAML file of the IaC repo, line by line, so that everything it does
/// not change (comments, key order, quoting, blank lines, other documents) stays byte for byte:
/// a changed scalar is rewritten in place on its line (its comment kept); a field the cluster
/// added is inserted as the last entry of its mapping, at that mapping's indentation; a field the
/// cluster lacks is removed with its block. What it cannot do safely (flow style, block and
/// multi-line scalars, anchors, tags, a value not where the parse says) is refused, naming the
/// field, and so is any edit the engine's reader does not read back as intended.
/// </summary>
public static class YamlEditor
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The file's bytes with the live values written; every byte outside the changed lines stays,
    /// a byte order mark included. A file that is not UTF-8 is left as it is.
    /// </summary>
    public static (byte[] Bytes, List<EditRefusal> Refused) Apply(byte[] utf8, ResourceKey resource, IReadOnlyList<FieldEdit> edits)
    {
        string text;
        try
        {
            // A byte order mark is read as U+FEFF and written back as the same three bytes.
            text = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            return (utf8, RefuseAll(edits, "the file is not UTF-8 text; edit it by hand"));
        }

        var (edited, refused) = Apply(text, resource, edits);
        return (string.Equals(edited, text, StringComparison.Ordinal) ? utf8 : StrictUtf8.GetBytes(edited), refused);
    }

    /// <summary>
    /// The text with the live values written, one edit after another. Each edit is checked by
    /// reading the edited text back with the engine's own reader: unless the field reads as the
    /// live value and every other field of every document as before, the edit is not made and is
    /// refused, whatever the line editing got wrong.
    /// </summary>
    public static (string Text, List<EditRefusal> Refused) Apply(string text, ResourceKey resource, IReadOnlyList<FieldEdit> edits)
    {
        var bom = text.StartsWith('\uFEFF') ? "\uFEFF" : string.Empty;
        var body = text[bom.Length..];
        if (!TextLines.TrySplit(body, out _))
        {
            // The parser would count such a line break where this editor does not.
            return (text, RefuseAll(edits, "the file breaks lines with characters other than LF and CRLF; edit it by hand"));
        }

        var documents = YamlReader.ReadDocuments(body);
        var index = Find(documents, resource);
        if (index < 0)
        {
            return (text, RefuseAll(edits, $"{resource} is not a document of this file"));
        }

        var refused = new List<EditRefusal>();
        foreach (var edit in edits)
        {
            TextLines.TrySplit(body, out var lines);
            var reason = Edit(lines, (MapNode)documents[index].Root!, edit, out var expected);
            if (reason is null)
            {
                var edited = lines.ToString();
                var read = YamlReader.ReadDocuments(edited);
                if (ReadsAs(read, documents, index, expected!))
                {
                    (body, documents) = (edited, read);
                }
                else
                {
                    reason = "the edited file would not read back as the live value with every other field as it was; edit it by hand";
                }
            }

            if (reason is not null)
            {
                refused.Add(new EditRefusal(edit.Path, reason));
            }
        }

        return (bom + body, refused);
    }

    private static List<EditRefusal> RefuseAll(IReadOnlyList<FieldEdit> edits, string reason) => [.. edits.Select(e => new EditRefusal(e.Path, reason))];

    /// <summary>The index of the document that declares <paramref name="resource"/> (by kind and name), or -1.</summary>
    private static int Find(IReadOnlyList<YamlDocument> documents, ResourceKey resource)
    {
        for (var i = 0; i < documents.Count; i++)
        {
            if (documents[i].Root is MapNode map && map.GetString("kind") == resource.Kind && map.GetMap("metadata")?.GetString("name") == resource.Name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Makes <paramref name="edit"/> in <paramref name="lines"/>, and says what the document
    /// <paramref name="root"/> should read as after it; or returns why it is not made.
    /// </summary>
    private static string? Edit(TextLines lines, MapNode root, FieldEdit edit, out Node? expected)
    {
        expected = null;
        var steps = PathStep.Parse(edit.Path, out var error);
        if (steps is null || steps.Length == 0 || steps[^1].IsElement)
        {
            return error ?? "only fields are written into the code (not whole objects or list elements)";
        }

        // The mapping that holds the field.
        Node? parent = root;
        foreach (var step in steps[..^1])
        {
            parent = parent is null ? null : Child(parent, step, out _);
        }

        if (parent is not MapNode map || map.Line == 0)
        {
            return "its mapping is not in the code";
        }

        var key = steps[^1].Name;
        var current = map[key];
        Node? value = null;
        if (edit.Live is not null)
        {
            value = JsonReader.ReadValues(Encoding.UTF8.GetBytes(edit.Live)) is [var v] ? v : null;
            if (value is null)
            {
                return "the live value does not read";
            }
        }

        var reason = value is null ? (current is null ? null : Remove(lines, map, key, current))
            : current is null ? Insert(lines, map, key, value)
            : Replace(lines, key, current, value);
        expected = reason is null ? With(root, steps, value) : null;
        return reason;
    }

    /// <summary>The node <paramref name="step"/> leads to from <paramref name="node"/>, and its place in a list (-1 for a map's value).</summary>
    private static Node? Child(Node node, PathStep step, out int index)
    {
        index = -1;
        if (node is MapNode map)
        {
            return step.IsElement ? null : map[step.Name];
        }

        if (node is not ListNode list || !step.IsElement)
        {
            return null;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var found = step.IsPosition
                ? int.TryParse(step.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var position) && position == i
                : list[i] is MapNode m && m[step.KeyField!] is ScalarNode k && step.Selects(k.Text, m.GetString("protocol"));
            if (found)
            {
                index = i;
                return list[i];
            }
        }

        return null;
    }

    /// <summary><paramref name="node"/> with the field at <paramref name="steps"/> set to <paramref name="value"/> (null: removed).</summary>
    private static Node With(Node node, ReadOnlySpan<PathStep> steps, Node? value)
    {
        if (steps.Length == 1)
        {
            var map = (MapNode)node;
            return value is null ? map.Without(steps[0].Name) : map.With(steps[0].Name, value);
        }

        var child = Child(node, steps[0], out var index)!;
        var changed = With(child, steps[1..], value);
        if (node is MapNode parent)
        {
            return parent.With(steps[0].Name, changed);
        }

        var list = (ListNode)node;
        var items = list.Items.ToArray();
        items[index] = changed;
        return new ListNode(items, list.Line);
    }

    /// <summary>
    /// Whether the documents <paramref name="after"/> an edit read as those <paramref name="before"/>
    /// it, but for the one at <paramref name="index"/>, which reads as <paramref name="expected"/>.
    /// </summary>
    private static bool ReadsAs(IReadOnlyList<YamlDocument> after, IReadOnlyList<YamlDocument> before, int index, Node expected)
    {
        if (after.Count != before.Count)
        {
            return false;
        }

        for (var i = 0; i < after.Count; i++)
        {
            // A document that did not read before need not read the same way now (its error's line may move); one that did must read as before.
            var same = before[i].Root is not { } root
                ? after[i].Root is null
                : after[i].Root is { } read && Same(i == index ? expected : root, read);
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Equal values: scalars of the same kind and value, maps with the same keys (in any order) and equal values, lists item by item.</summary>
    private static bool Same(Node a, Node b) => (a, b) switch
    {
        (ScalarNode x, ScalarNode y) => x.ValueEquals(y),
        (MapNode x, MapNode y) => x.Count == y.Count && x.Entries.All(e => y[e.Key] is { } other && Same(e.Value, other)),
        (ListNode x, ListNode y) => x.Count == y.Count && x.Items.Zip(y.Items).All(p => Same(p.First, p.Second)),
        _ => false,
    };

    private static string? Replace(TextLines lines, string key, Node current, Node value)
    {
        if (KeyLine(lines, key, current) is not { } at)
        {
            return "written in a form this editor does not change (flow style or an unusual layout); edit it by hand";
        }

        var (line, column, afterColon) = at;
        var text = lines[line];
        if (current is ScalarNode && value is ScalarNode scalar)
        {
            var (start, end, refusal) = ScalarExtent(lines, line, afterColon, column);
            if (refusal is not null)
            {
                return refusal;
            }

            // An empty value (null) is written after the colon, before the line's comment.
            var written = start == end ? " " + Scalar(scalar) : Written(text[start], scalar);
            lines[line] = string.Concat(text.AsSpan(0, start), written, text.AsSpan(end));
            return null;
        }

        // A mapping or list (or a change of shape): the key's whole block is written anew, after
        // what precedes the key on its line (a list item's dash).
        var block = Block(key, value, column);
        block[0] = string.Concat(text.AsSpan(0, column), block[0].AsSpan(column));
        lines.Replace(line, BlockEnd(lines, line, column), block);
        return null;
    }

    private static string? Insert(TextLines lines, MapNode map, string key, Node value)
    {
        var first = map.Entries.FirstOrDefault();
        if (first.Key is null || KeyLine(lines, first.Key, first.Value) is not { } at)
        {
            return "its mapping is empty or in flow style; add it by hand";
        }

        // After the mapping's last line: the end of the block of its last key.
        var (line, indent, _) = at;
        var lastKey = map.Entries.Last();
        var after = KeyLine(lines, lastKey.Key, lastKey.Value) is { } last ? BlockEnd(lines, last.Line, indent) : line;
        lines.InsertAfter(after, Block(key, value, indent));
        return null;
    }

    private static string? Remove(TextLines lines, MapNode map, string key, Node current)
    {
        if (KeyLine(lines, key, current) is not { } at || lines[at.Line].TrimStart().StartsWith('-'))
        {
            return "written in a form this editor does not change (flow style, or the first key of a list item); remove it by hand";
        }

        lines.Replace(at.Line, BlockEnd(lines, at.Line, at.Column), []);
        return null;
    }

    /// <summary>
    /// Where <paramref name="key"/> (whose value is <paramref name="value"/>) is written: its line (0-based), the
    /// column of the key (the mapping's indentation), and the column after its colon. Null unless
    /// the line holds <c>key:</c> in block style.
    /// </summary>
    private static (int Line, int Column, int AfterColon)? KeyLine(TextLines lines, string key, Node value)
    {
        // A scalar value sits on its key's line; a block mapping or list starts on the line after.
        var candidates = value is ScalarNode ? [value.Line - 1] : new[] { value.Line - 2, value.Line - 1 };
        foreach (var line in candidates.Where(l => l >= 0 && l < lines.Count))
        {
            var text = lines[line];
            var indent = text.Length - text.TrimStart(' ').Length;
            var column = indent;
            if (text.AsSpan(indent).StartsWith("- "))
            {
                column = indent + 2 + (text.Length - indent - 2 - text[(indent + 2)..].TrimStart(' ').Length);
            }

            foreach (var written in (string[])[Quote(key), key])
            {
                var colon = column + written.Length;
                if (text.AsSpan(column).StartsWith(written, StringComparison.Ordinal) && colon < text.Length && text[colon] == ':'
                    && (colon + 1 == text.Length || text[colon + 1] is ' ' or '\t'))
                {
                    return (line, column, colon + 1);
                }
            }
        }

        return null;
    }

    /// <summary>The last line (0-based) of the block that starts at <paramref name="line"/>: the lines after it indented deeper, or blank.</summary>
    private static int BlockEnd(TextLines lines, int line, int indent)
    {
        var last = line;
        for (var i = line + 1; i < lines.Count; i++)
        {
            var text = lines[i];
            if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var depth = text.Length - text.TrimStart(' ').Length;
            // A list may sit at its key's indentation ("key:\n- a", "- key:\n  - a").
            if (depth > indent || (depth == indent && text.AsSpan(depth).StartsWith("- ")))
            {
                last = i;
                continue;
            }

            break;
        }

        return last;
    }

    /// <summary>
    /// Where the scalar after a key's colon starts and ends on its line, by YAML's rules: a
    /// single-quoted one ends at a quote not doubled, a double-quoted one at a quote not escaped
    /// by a backslash, a plain one before a <c>#</c> that follows a space or a tab. A value whose
    /// extent is not that one line (block scalars, a scalar continued on the next lines, anchors,
    /// tags, anything else after it) is refused with the reason.
    /// </summary>
    private static (int Start, int End, string? Refusal) ScalarExtent(TextLines lines, int line, int afterColon, int column)
    {
        var text = lines[line];
        var start = SkipBlanks(text, afterColon);
        if (start == text.Length || (text[start] == '#' && start > afterColon))
        {
            return (afterColon, afterColon, null);
        }

        int end;
        switch (text[start])
        {
            case '|' or '>' or '&' or '*':
                return (0, 0, "a block scalar, anchor or alias; edit it by hand");
            case '!':
                return (0, 0, "a tagged value; edit it by hand");
            case '\'':
                // '' is a quote inside the scalar; a quote alone ends it.
                end = start + 1;
                while (end < text.Length && (text[end] != '\'' || (end + 1 < text.Length && text[end + 1] == '\'')))
                {
                    end += text[end] == '\'' ? 2 : 1;
                }

                break;
            case '"':
                end = start + 1;
                while (end < text.Length && text[end] != '"')
                {
                    end += text[end] == '\\' ? 2 : 1;
                }

                break;
            case '[' or '{' or '%' or '@' or '`' or '#':
                return (0, 0, "written in a form this editor does not change; edit it by hand");
            default:
                end = start;
                while (end < text.Length && !(text[end] == '#' && text[end - 1] is ' ' or '\t'))
                {
                    end++;
                }

                end = text.AsSpan(0, end).TrimEnd(" \t").Length;
                return ContinuesBelow(lines, line, column) ? (0, 0, MultiLine) : (start, end, null);
        }

        if (end >= text.Length)
        {
            // No closing quote on the line: the scalar runs on.
            return (0, 0, MultiLine);
        }

        end++;
        var rest = SkipBlanks(text, end);
        return rest == text.Length || (text[rest] == '#' && rest > end) ? (start, end, null)
            : (0, 0, "written in a form this editor does not change; edit it by hand");
    }

    private const string MultiLine = "a multi-line scalar is changed by a person";

    /// <summary>Whether the plain scalar on <paramref name="line"/> goes on below it: a later line, past blank and comment lines, indented deeper than its key.</summary>
    private static bool ContinuesBelow(TextLines lines, int line, int column)
    {
        for (var i = line + 1; i < lines.Count; i++)
        {
            var content = lines[i].TrimStart(' ');
            if (content.Length == 0 || content.TrimStart('\t').Length == 0 || content.StartsWith('#'))
            {
                continue;
            }

            return lines[i].Length - content.Length > column;
        }

        return false;
    }

    private static int SkipBlanks(string text, int at)
    {
        while (at < text.Length && text[at] is ' ' or '\t')
        {
            at++;
        }

        return at;
    }

    /// <summary>A key and its value as block YAML lines at <paramref name="indent"/>.</summary>
    private static List<string> Block(string key, Node value, int indent)
    {
        var lines = new List<string>();
        var pad = new string(' ', indent);
        switch (value)
        {
            case ScalarNode scalar:
                lines.Add($"{pad}{Quote(key)}: {Scalar(scalar)}");
                break;
            case MapNode { Count: 0 }:
                lines.Add($"{pad}{Quote(key)}: {{}}");
                break;
            case ListNode { Count: 0 }:
                lines.Add($"{pad}{Quote(key)}: []");
                break;
            case MapNode map:
                lines.Add($"{pad}{Quote(key)}:");
                foreach (var (k, v) in map.Entries)
                {
                    lines.AddRange(Block(k, v, indent + 2));
                }

                break;
            case ListNode list:
                lines.Add($"{pad}{Quote(key)}:");
                foreach (var item in list.Items)
                {
                    lines.AddRange(Item(item, indent));
                }

                break;
        }

        return lines;
    }

    private static IEnumerable<string> Item(Node item, int indent)
    {
        var pad = new string(' ', indent);
        if (item is MapNode { Count: > 0 } map)
        {
            var entries = map.Entries.ToList();
            var first = Block(entries[0].Key, entries[0].Value, indent + 2);
            yield return pad + "- " + first[0].TrimStart();
            foreach (var line in first.Skip(1))
            {
                yield return line;
            }

            foreach (var (k, v) in entries.Skip(1))
            {
                foreach (var line in Block(k, v, indent + 2))
                {
                    yield return line;
                }
            }
        }
        else
        {
            yield return pad + "- " + (item is ScalarNode s ? Scalar(s) : item.ToJson());
        }
    }

    /// <summary>
    /// A scalar written where <paramref name="first"/> began the old one, in the old one's style:
    /// a single-quoted string stays single-quoted when it can be written so, a double-quoted one
    /// double-quoted; a plain one plain when that reads back as the same string. A number, bool or
    /// null is plain whatever was there, as quotes would make it a string.
    /// </summary>
    private static string Written(char first, ScalarNode scalar) => scalar.Kind != NodeKind.String ? Scalar(scalar)
        : first == '\'' ? (CanSingleQuote(scalar.Text) ? SingleQuoted(scalar.Text) : DoubleQuoted(scalar.Text))
        : first == '"' ? DoubleQuoted(scalar.Text)
        : Scalar(scalar);

    /// <summary>A scalar as YAML: plain where that reads back as the same value, else double-quoted.</summary>
    public static string Scalar(ScalarNode scalar)
    {
        if (scalar.Kind != NodeKind.String)
        {
            return scalar.Kind == NodeKind.Null ? "null" : scalar.Text;
        }

        var text = scalar.Text;
        return IsPlain(text) ? text : DoubleQuoted(text);
    }

    /// <summary>True when <paramref name="text"/> written plain reads back as that string (not a number, bool or null, nothing YAML gives a meaning).</summary>
    private static bool IsPlain(string text)
    {
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]) || text[0] is '-' or ':' or '@'
            || text.Contains(": ", StringComparison.Ordinal) || text.EndsWith(':')
            || !text.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '@' or '+' or ' ' or '='))
        {
            return false;
        }

        try
        {
            return YamlReader.ReadSingle(text) is ScalarNode { Kind: NodeKind.String } read && read.Text == text;
        }
        catch (ParseException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether a single-quoted scalar can hold <paramref name="text"/> on one line: only printable
    /// characters (YAML's c-printable, a tab included), no line break, which it would fold.
    /// </summary>
    private static bool CanSingleQuote(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (MustEscape(c) && c != '\t')
            {
                return false;
            }
        }

        return true;
    }

    private static string SingleQuoted(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// A double-quoted YAML scalar: a backslash and a quote escaped, line breaks and other
    /// characters YAML does not print as <c>\n</c>, <c>\t</c> or <c>\uXXXX</c>; every other
    /// character as it is (an apostrophe, <c>&lt;</c>, <c>é</c>: the file is UTF-8).
    /// </summary>
    private static string DoubleQuoted(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\t': quoted.Append("\\t"); break;
                case '\r': quoted.Append("\\r"); break;
                case '\0': quoted.Append("\\0"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        quoted.Append(c).Append(text[++i]);
                    }
                    else if (MustEscape(c))
                    {
                        quoted.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>Characters outside YAML's printable set (a lone surrogate included), its line breaks, and a byte order mark.</summary>
    private static bool MustEscape(char c) => c < ' ' || c is >= '\u007F' and <= '\u009F' || c is '\u2028' or '\u2029' or '\uFEFF' or '\uFFFE' or '\uFFFF' || char.IsSurrogate(c);

    private static string Quote(string key) => Scalar(ScalarNode.String(key));

    /// <summary>
    /// A file's lines, each with its own ending (LF, CRLF, or none for a last line without one),
    /// so that a line not changed is written back byte for byte; a new line takes the ending of
    /// the line it replaces, or of its neighbour.
    /// </summary>
    private sealed class TextLines : IReadOnlyList<string>
    {
        private readonly List<string> _texts = [];
        private readonly List<string> _endings = [];

        public int Count => _texts.Count;

        public string this[int index]
        {
            get => _texts[index];
            set => _texts[index] = value;
        }

        /// <summary>Splits at LF and CRLF; false when the text holds another line break YAML knows (a CR alone, NEL, LS, PS).</summary>
        public static bool TrySplit(string text, out TextLines lines)
        {
            lines = new TextLines();
            var at = 0;
            while (true)
            {
                var newline = text.IndexOf('\n', at);
                var end = newline < 0 ? text.Length : newline;
                var crlf = newline > at && text[newline - 1] == '\r';
                var content = text[at..(crlf ? end - 1 : end)];
                if (content.AsSpan().IndexOfAny("\r\u0085\u2028\u2029") >= 0)
                {
                    return false;
                }

                lines._texts.Add(content);
                lines._endings.Add(newline < 0 ? string.Empty : crlf ? "\r\n" : "\n");
                if (newline < 0)
                {
                    return true;
                }

                at = newline + 1;
            }
        }

        /// <summary>
        /// Lines <paramref name="first"/> to <paramref name="last"/> replaced by <paramref name="texts"/>:
        /// each new line ends as the old line at its place did (the last as the last did, so a file
        /// without a final line break stays so).
        /// </summary>
        public void Replace(int first, int last, List<string> texts)
        {
            var endings = new List<string>(texts.Count);
            for (var i = 0; i < texts.Count; i++)
            {
                var ending = _endings[i == texts.Count - 1 ? last : Math.Min(first + i, last)];
                endings.Add(ending.Length == 0 && i < texts.Count - 1 ? EndingNear(last) : ending);
            }

            _texts.RemoveRange(first, last - first + 1);
            _endings.RemoveRange(first, last - first + 1);
            _texts.InsertRange(first, texts);
            _endings.InsertRange(first, endings);
        }

        /// <summary>New lines after <paramref name="line"/>, ending as it does (it gains that ending when it was the last line, without one).</summary>
        public void InsertAfter(int line, List<string> texts)
        {
            var ending = EndingNear(line);
            var endings = texts.Select(_ => ending).ToList();
            if (_endings[line].Length == 0)
            {
                _endings[line] = ending;
                endings[^1] = string.Empty;
            }

            _texts.InsertRange(line + 1, texts);
            _endings.InsertRange(line + 1, endings);
        }

        /// <summary>The ending of <paramref name="line"/>, else of the nearest line above it with one, else LF.</summary>
        private string EndingNear(int line)
        {
            for (var i = line; i >= 0; i--)
            {
                if (_endings[i].Length > 0)
                {
                    return _endings[i];
                }
            }

            return "\n";
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            for (var i = 0; i < _texts.Count; i++)
            {
                text.Append(_texts[i]).Append(_endings[i]);
            }

            return text.ToString();
        }

        public IEnumerator<string> GetEnumerator() => _texts.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
