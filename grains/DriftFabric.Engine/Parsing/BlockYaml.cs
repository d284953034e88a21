using System.Buffers;
using System.Globalization;
using System.Text;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Parsing;

/// <summary>
/// A fast reader for the YAML that Kubernetes manifests are written in: block mappings and
/// sequences, one-line plain and quoted scalars, literal block scalars (<c>|</c>), empty and
/// one-line flow collections, comments. It builds the same trees, with the same lines, as the
/// full reader, in a fraction of its time and memory. It refuses everything else (anchors, tags,
/// folded or multi-line scalars, complex keys, tabs, anything malformed) by returning false, and
/// <see cref="YamlReader"/> then parses the document with YamlDotNet, which handles all of YAML
/// and names each error: this reader never reports an error of its own.
/// </summary>
internal sealed class BlockYaml
{
    /// <summary>Characters this reader leaves to YamlDotNet wherever they appear: controls, tabs, other line breaks, a BOM.</summary>
    private static readonly SearchValues<char> Refused = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\u000B\u000C\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"
        + "\u007F\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F"
        + "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF");

    /// <summary>Characters that cannot start a plain scalar (or that start YAML this reader leaves alone).</summary>
    private static readonly SearchValues<char> Indicators = SearchValues.Create("?:,[]{}#&*!|>'\"%@`");

    private static readonly SearchValues<char> FlowPlainStops = SearchValues.Create(",[]{}#\"'");

    [ThreadStatic]
    private static char[]? t_text;

    /// <summary>The document, copied into an array kept per thread (the caller's text may be a string or a slice of a larger buffer).</summary>
    private readonly char[] _text;
    private readonly int[] _starts;
    private readonly int[] _ends;
    private readonly int _count;
    private readonly int _length;
    private readonly int _lineOffset;
    private readonly ParseLimits _limits;
    private int _line;
    private int _nodes;
    private int _depth;

    private BlockYaml(char[] text, int[] starts, int[] ends, int count, int length, int lineOffset, ParseLimits limits)
    {
        _text = text;
        _length = length;
        _starts = starts;
        _ends = ends;
        _count = count;
        _lineOffset = lineOffset;
        _limits = limits;
    }

    /// <summary>Thrown (and caught below) the moment the input leaves what this reader handles.</summary>
    private sealed class NotMine : Exception;

    /// <summary>A new refusal each time: an exception object is never shared between threads.</summary>
    private static NotMine Refuse => new();

    /// <summary>
    /// Parses the one document in <paramref name="document"/> (its first line is line
    /// <paramref name="lineOffset"/> + 1), or returns false without a result.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> document, int lineOffset, ParseLimits limits, out Node? root)
    {
        root = null;
        if (document.ContainsAny(Refused))
        {
            return false;
        }

        var text = t_text is { } held && held.Length >= document.Length ? held : new char[Math.Max(document.Length, 4096)];
        if (text.Length <= 1 << 20)
        {
            t_text = text;
        }

        document.CopyTo(text);
        var length = document.Length;
        var lines = document.Count('\n') + 1;
        var starts = ArrayPool<int>.Shared.Rent(lines);
        var ends = ArrayPool<int>.Shared.Rent(lines);
        try
        {
            var count = 0;
            var position = 0;
            var end = length;
            while (position <= end)
            {
                var newline = text.AsSpan(position, end - position).IndexOf('\n');
                var lineEnd = newline < 0 ? end : position + newline;
                if (newline < 0 && position == end && count > 0)
                {
                    // The text ends with its last line's newline: no line follows it.
                    break;
                }

                starts[count] = position;
                ends[count] = lineEnd;
                count++;
                if (newline < 0)
                {
                    break;
                }

                position = lineEnd + 1;
            }

            var reader = new BlockYaml(text, starts, ends, count, length, lineOffset, limits);
            try
            {
                root = reader.ReadDocument();
                return true;
            }
            catch (NotMine)
            {
                root = null;
                return false;
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<int>.Shared.Return(ends);
        }
    }

    private Node? ReadDocument()
    {
        var first = NextContent(0);
        if (first < _count && Indent(first) == 0 && StartsWith(first, "---"))
        {
            var rest = _starts[first] + 3;
            if (!RestIsBlank(first, rest))
            {
                throw Refuse;
            }

            first = NextContent(first + 1);
        }

        if (first == _count)
        {
            return null;
        }

        for (var i = first; i < _count; i++)
        {
            if (Indent(i) == 0 && (StartsWith(i, "---") || StartsWith(i, "...") || StartsWith(i, "%")))
            {
                throw Refuse;
            }
        }

        var root = ReadBlock(first, Indent(first), -1);
        if (root is not MapNode and not ListNode || NextContent(_line) != _count)
        {
            throw Refuse;
        }

        return root;
    }

    /// <summary>A node that starts on its own line <paramref name="line"/> at column <paramref name="column"/>, inside a block indented at <paramref name="parent"/>.</summary>
    private Node ReadBlock(int line, int column, int parent)
    {
        var at = _starts[line] + column;
        if (IsEntry(at, _ends[line]))
        {
            return ReadSequence(line, column);
        }

        if (KeyEnd(line, at) >= 0)
        {
            return ReadMapping(line, at);
        }

        return ReadValue(line, at, parent);
    }

    private MapNode ReadMapping(int line, int at)
    {
        var column = at - _starts[line];
        Enter();
        var keys = new List<string>();
        var values = new List<Node>();
        HashSet<string>? seen = null;
        var mapLine = Line(line);
        while (true)
        {
            var colon = KeyEnd(line, at);
            if (colon < 0)
            {
                throw Refuse;
            }

            var key = Key(at, colon);
            var duplicate = keys.Count < 16 ? keys.Contains(key) : !(seen ??= new HashSet<string>(keys, StringComparer.Ordinal)).Add(key);
            if (duplicate || (key == "<<" && _text[at] != '"' && _text[at] != '\''))
            {
                // A merge key, or a duplicate (an error the full reader words).
                throw Refuse;
            }

            keys.Add(key);
            seen?.Add(key);
            var value = SkipSpaces(colon + 1, _ends[line]);
            values.Add(value == _ends[line] || _text[value] == '#'
                ? ReadBelow(line, column, allowSequenceAtColumn: true)
                : ReadValue(line, value, column));

            var next = NextContent(_line);
            if (next == _count)
            {
                break;
            }

            var indent = Indent(next);
            if (indent < column)
            {
                break;
            }

            if (indent > column || IsEntry(_starts[next] + indent, _ends[next]))
            {
                throw Refuse;
            }

            line = next;
            at = _starts[next] + indent;
        }

        Leave();
        return new MapNode([.. keys], [.. values], mapLine);
    }

    private ListNode ReadSequence(int line, int column)
    {
        Enter();
        var items = new List<Node>();
        var listLine = Line(line);
        while (true)
        {
            var dash = _starts[line] + column;
            var value = SkipSpaces(dash + 1, _ends[line]);
            if (value == _ends[line] || _text[value] == '#')
            {
                items.Add(ReadBelow(line, column, allowSequenceAtColumn: false));
            }
            else if (IsEntry(value, _ends[line]))
            {
                throw Refuse;
            }
            else if (KeyEnd(line, value) >= 0)
            {
                items.Add(ReadMapping(line, value));
            }
            else
            {
                items.Add(ReadValue(line, value, column));
            }

            var next = NextContent(_line);
            if (next == _count)
            {
                break;
            }

            var indent = Indent(next);
            if (indent < column || (indent == column && !IsEntry(_starts[next] + indent, _ends[next])))
            {
                break;
            }

            if (indent > column)
            {
                throw Refuse;
            }

            line = next;
        }

        Leave();
        return new ListNode([.. items], listLine);
    }

    /// <summary>
    /// The value of a key or entry that ends its line: the block on the following lines if it is
    /// indented deeper (or, for a key, a sequence at the key's own column), else null.
    /// </summary>
    private Node ReadBelow(int line, int column, bool allowSequenceAtColumn)
    {
        var next = NextContent(line + 1);
        if (next < _count)
        {
            var indent = Indent(next);
            if (indent > column || (allowSequenceAtColumn && indent == column && IsEntry(_starts[next] + indent, _ends[next])))
            {
                return ReadBlock(next, indent, column);
            }
        }

        _line = line + 1;
        Count();
        return ScalarNode.NullAt(Line(line));
    }

    /// <summary>A scalar or flow collection starting at <paramref name="at"/>, inside a block indented at <paramref name="parent"/>.</summary>
    private Node ReadValue(int line, int at, int parent)
    {
        var end = _ends[line];
        var c = _text[at];
        Node node;
        int after;
        switch (c)
        {
            case '|':
                return ReadLiteral(line, at, parent);
            case '"':
                node = ScalarNode.String(ReadDoubleQuoted(at, end, out after), Line(line));
                break;
            case '\'':
                node = ScalarNode.String(ReadSingleQuoted(at, end, out after), Line(line));
                break;
            case '[':
                node = ReadFlowSequence(line, at, out after);
                break;
            case '{':
                after = SkipSpaces(at + 1, end);
                if (after == end || _text[after] != '}')
                {
                    throw Refuse;
                }

                after++;
                node = new MapNode([], [], Line(line));
                break;
            default:
                if (Indicators.Contains(c) || IsEntry(at, end))
                {
                    throw Refuse;
                }

                var text = PlainEnd(at, end, out after);
                node = Resolve(text, line);
                break;
        }

        if (!RestIsBlank(line, after))
        {
            throw Refuse;
        }

        Count();
        _line = line + 1;
        return node;
    }

    /// <summary>A plain scalar to the end of its line or its comment; one that would need YAML's other rules is refused.</summary>
    private string PlainEnd(int at, int end, out int after)
    {
        var span = _text.AsSpan(at, end - at);
        var comment = span.IndexOf(" #", StringComparison.Ordinal);
        var text = (comment >= 0 ? span[..comment] : span).TrimEnd(' ');
        if (text.Contains(": ", StringComparison.Ordinal) || text.EndsWith(':'))
        {
            throw Refuse;
        }

        after = at + text.Length;
        return CheckedString(text);
    }

    private string CheckedString(ReadOnlySpan<char> text)
    {
        if (text.Length > _limits.MaxScalarBytes)
        {
            throw Refuse;
        }

        return new string(text);
    }

    private Node Resolve(string plain, int line) => YamlScalars.Resolve(plain, plain: true, tag: null, Line(line));

    private ListNode ReadFlowSequence(int line, int at, out int after)
    {
        var end = _ends[line];
        var items = new List<Node>();
        var position = SkipSpaces(at + 1, end);
        if (position < end && _text[position] == ']')
        {
            after = position + 1;
            return new ListNode([], Line(line));
        }

        while (true)
        {
            if (position == end)
            {
                throw Refuse;
            }

            int itemEnd;
            var c = _text[position];
            if (c == '"')
            {
                items.Add(ScalarNode.String(ReadDoubleQuoted(position, end, out itemEnd), Line(line)));
            }
            else if (c == '\'')
            {
                items.Add(ScalarNode.String(ReadSingleQuoted(position, end, out itemEnd), Line(line)));
            }
            else
            {
                if (Indicators.Contains(c) || IsEntry(position, end))
                {
                    throw Refuse;
                }

                var stop = _text.AsSpan(position, end - position).IndexOfAny(FlowPlainStops);
                if (stop < 0)
                {
                    throw Refuse;
                }

                var text = _text.AsSpan(position, stop).TrimEnd(' ');
                if (text.Length == 0 || text.Contains(':'))
                {
                    throw Refuse;
                }

                items.Add(Resolve(CheckedString(text), line));
                itemEnd = position + text.Length;
            }

            Count();
            position = SkipSpaces(itemEnd, end);
            if (position == end)
            {
                throw Refuse;
            }

            if (_text[position] == ']')
            {
                after = position + 1;
                return new ListNode([.. items], Line(line));
            }

            if (_text[position] != ',')
            {
                throw Refuse;
            }

            position = SkipSpaces(position + 1, end);
            if (position < end && _text[position] == ']')
            {
                // A trailing comma: legal, but left to the full reader.
                throw Refuse;
            }
        }
    }

    private string ReadSingleQuoted(int at, int end, out int after)
    {
        StringBuilder? built = null;
        var from = at + 1;
        for (var i = at + 1; i < end; i++)
        {
            if (_text[i] != '\'')
            {
                continue;
            }

            if (i + 1 < end && _text[i + 1] == '\'')
            {
                (built ??= new StringBuilder()).Append(_text, from, i + 1 - from);
                from = i + 2;
                i++;
                continue;
            }

            after = i + 1;
            if (built is null)
            {
                return CheckedString(_text.AsSpan(from, i - from));
            }

            built.Append(_text, from, i - from);
            return CheckedString(built.ToString());
        }

        // Runs on to another line: left to the full reader.
        throw Refuse;
    }

    private string ReadDoubleQuoted(int at, int end, out int after)
    {
        StringBuilder? built = null;
        var from = at + 1;
        for (var i = at + 1; i < end; i++)
        {
            var c = _text[i];
            if (c == '"')
            {
                after = i + 1;
                if (built is null)
                {
                    return CheckedString(_text.AsSpan(from, i - from));
                }

                built.Append(_text, from, i - from);
                return CheckedString(built.ToString());
            }

            if (c != '\\')
            {
                continue;
            }

            built ??= new StringBuilder();
            built.Append(_text, from, i - from);
            if (i + 1 >= end)
            {
                throw Refuse;
            }

            var escape = _text[++i];
            switch (escape)
            {
                case '"': built.Append('"'); break;
                case '\\': built.Append('\\'); break;
                case '/': built.Append('/'); break;
                case 'n': built.Append('\n'); break;
                case 't': built.Append('\t'); break;
                case 'r': built.Append('\r'); break;
                case '0': built.Append('\0'); break;
                case 'b': built.Append('\b'); break;
                case 'f': built.Append('\f'); break;
                case 'u' when i + 4 < end && ushort.TryParse(_text.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                    && !char.IsSurrogate((char)code):
                    built.Append((char)code);
                    i += 4;
                    break;
                default:
                    throw Refuse;
            }

            from = i + 1;
        }

        throw Refuse;
    }

    /// <summary>A literal block scalar (<c>|</c>, <c>|-</c>, <c>|+</c>) whose header is at <paramref name="at"/>.</summary>
    private ScalarNode ReadLiteral(int line, int at, int parent)
    {
        var end = _ends[line];
        var chomp = ' ';
        var header = at + 1;
        if (header < end && _text[header] is '-' or '+')
        {
            chomp = _text[header];
            header++;
        }

        if (header < end && _text[header] != ' ' || !RestIsBlank(line, header))
        {
            throw Refuse;
        }

        // The content's indentation is that of its first non-empty line.
        var first = line + 1;
        while (first < _count && IsSpaces(first))
        {
            first++;
        }

        var indent = first < _count ? Indent(first) : 0;
        var scalarLine = Line(line);
        var lines = new List<(int Start, int End)>();
        var next = line + 1;
        for (var i = line + 1; i < first; i++)
        {
            // Spaces on the empty lines before the content: YamlDotNet is stricter here than YAML; left to it.
            if (_ends[i] > _starts[i])
            {
                throw Refuse;
            }
        }

        if (first < _count && indent > parent)
        {
            for (next = line + 1; next < _count; next++)
            {
                if (IsSpaces(next))
                {
                    // Spaces beyond the indentation on an otherwise empty line would be content: left to the full reader.
                    if (_ends[next] - _starts[next] > indent)
                    {
                        throw Refuse;
                    }

                    lines.Add((0, 0));
                }
                else if (Indent(next) >= indent)
                {
                    lines.Add((_starts[next] + indent, _ends[next]));
                }
                else
                {
                    break;
                }
            }
        }

        else
        {
            // No content: the scalar is empty; blank lines after the header still belong to it
            // (and would be kept by "|+": left to the full reader).
            if (chomp == '+')
            {
                throw Refuse;
            }

            while (next < _count && IsSpaces(next))
            {
                next++;
            }
        }

        var text = Literal(lines, line + 1, chomp);
        _line = next;
        Count();
        return ScalarNode.String(text, scalarLine);
    }

    /// <param name="first">The line index of <paramref name="lines"/>' first entry.</param>
    private string Literal(List<(int Start, int End)> lines, int first, char chomp)
    {
        var last = lines.Count - 1;
        while (last >= 0 && lines[last].End == 0)
        {
            last--;
        }

        if (last < 0)
        {
            if (chomp == '+' && lines.Count > 0)
            {
                throw Refuse;
            }

            return string.Empty;
        }

        var builder = new StringBuilder();
        for (var i = 0; i <= last; i++)
        {
            if (i > 0)
            {
                builder.Append('\n');
            }

            var (start, end) = lines[i];
            builder.Append(_text, start, end - start);
        }

        // Only line breaks that are there are kept: the text's last line may have none.
        switch (chomp)
        {
            case '-':
                break;
            case '+':
                for (var i = last; i < lines.Count; i++)
                {
                    if (HasLineBreak(first + i))
                    {
                        builder.Append('\n');
                    }
                }

                break;
            default:
                if (HasLineBreak(first + last))
                {
                    builder.Append('\n');
                }

                break;
        }

        if (builder.Length > _limits.MaxScalarBytes)
        {
            throw Refuse;
        }

        return builder.ToString();
    }

    /// <summary>The index of the <c>:</c> that ends a key starting at <paramref name="at"/>, or -1 when the line holds no key there.</summary>
    private int KeyEnd(int line, int at)
    {
        var end = _ends[line];
        var c = _text[at];
        int colon;
        if (c is '"' or '\'')
        {
            var closing = c == '"' ? SkipDoubleQuoted(at, end) : SkipSingleQuoted(at, end);
            if (closing < 0)
            {
                return -1;
            }

            colon = closing + 1;
            if (colon >= end || _text[colon] != ':')
            {
                return -1;
            }
        }
        else
        {
            if (Indicators.Contains(c) || IsEntry(at, end))
            {
                return -1;
            }

            colon = -1;
            for (var i = at + 1; i < end; i++)
            {
                var ch = _text[i];
                if (ch == '#' && _text[i - 1] == ' ')
                {
                    return -1;
                }

                if (ch == ':' && (i + 1 == end || _text[i + 1] == ' '))
                {
                    colon = i;
                    break;
                }
            }

            if (colon < 0)
            {
                return -1;
            }

            if (_text.AsSpan(at, colon - at).ContainsAny(Indicators))
            {
                // YamlDotNet reads some of these lines as one scalar rather than a key: left to it.
                throw Refuse;
            }
        }

        return colon + 1 == end || _text[colon + 1] == ' ' ? colon : -1;
    }

    private int SkipDoubleQuoted(int at, int end)
    {
        for (var i = at + 1; i < end; i++)
        {
            if (_text[i] == '\\')
            {
                i++;
            }
            else if (_text[i] == '"')
            {
                return i;
            }
        }

        return -1;
    }

    private int SkipSingleQuoted(int at, int end)
    {
        for (var i = at + 1; i < end; i++)
        {
            if (_text[i] == '\'')
            {
                if (i + 1 < end && _text[i + 1] == '\'')
                {
                    i++;
                    continue;
                }

                return i;
            }
        }

        return -1;
    }

    private string Key(int at, int colon)
    {
        var c = _text[at];
        if (c == '"')
        {
            return ReadDoubleQuoted(at, colon, out _);
        }

        if (c == '\'')
        {
            return ReadSingleQuoted(at, colon, out _);
        }

        var text = _text.AsSpan(at, colon - at).TrimEnd(' ');
        return text.Length > KeyStrings.MaxLength ? CheckedString(text) : KeyStrings.Of(text);
    }

    /// <summary>True when a sequence entry (<c>-</c> then a space or the line's end) starts at <paramref name="at"/>.</summary>
    private bool IsEntry(int at, int end) => at < end && _text[at] == '-' && (at + 1 == end || _text[at + 1] == ' ');

    private bool HasLineBreak(int line) => line < _count - 1 || _ends[line] < _length;

    private int Indent(int line)
    {
        var start = _starts[line];
        var i = start;
        var end = _ends[line];
        while (i < end && _text[i] == ' ')
        {
            i++;
        }

        return i - start;
    }

    private bool IsSpaces(int line) => _text.AsSpan(_starts[line], _ends[line] - _starts[line]).TrimStart(' ').IsEmpty;

    /// <summary>The first line from <paramref name="line"/> on that holds more than spaces and a comment.</summary>
    private int NextContent(int line)
    {
        while (line < _count)
        {
            var content = _text.AsSpan(_starts[line], _ends[line] - _starts[line]).TrimStart(' ');
            if (!content.IsEmpty && content[0] != '#')
            {
                return line;
            }

            line++;
        }

        return line;
    }

    /// <summary>True when nothing but spaces and a comment (after at least one space) follows <paramref name="at"/> on the line.</summary>
    private bool RestIsBlank(int line, int at)
    {
        var end = _ends[line];
        var rest = SkipSpaces(at, end);
        return rest == end || (_text[rest] == '#' && rest > at);
    }

    private int SkipSpaces(int at, int end)
    {
        while (at < end && _text[at] == ' ')
        {
            at++;
        }

        return at;
    }

    private bool StartsWith(int line, string prefix) => _text.AsSpan(_starts[line], _ends[line] - _starts[line]).StartsWith(prefix, StringComparison.Ordinal);

    private int Line(int line) => line + 1 + _lineOffset;

    private void Enter()
    {
        if (++_depth > _limits.MaxDepth)
        {
            throw Refuse;
        }

        Count();
    }

    private void Leave() => _depth--;

    private void Count()
    {
        if (++_nodes > _limits.MaxNodes)
        {
            throw Refuse;
        }
    }
}
