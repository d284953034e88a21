using System.Text.RegularExpressions;
using DriftFabric.Engine.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DriftFabric.Engine.Parsing;

/// <summary>One parsed document of a YAML stream, or the reason it could not be parsed.</summary>
public readonly record struct YamlDocument(Node? Root, int Line, ParseException? Error);

/// <summary>
/// Reads multi-document YAML into <see cref="Node"/> trees. Each document is parsed on its own,
/// so one broken document costs only itself. Aliases are counted in full against
/// <see cref="ParseLimits.MaxNodes"/> (an alias bomb fails fast without being expanded),
/// nesting is bounded, and duplicate keys are refused as <c>kubectl</c> refuses them.
/// </summary>
public static partial class YamlReader
{
    public static IReadOnlyList<YamlDocument> ReadDocuments(string text, ParseLimits? limits = null) => ReadDocuments(text.AsMemory(), limits, fast: true);

    /// <summary>Reads text held anywhere (a pooled buffer included); nothing returned refers to it.</summary>
    public static IReadOnlyList<YamlDocument> ReadDocuments(ReadOnlyMemory<char> text, ParseLimits? limits = null) => ReadDocuments(text, limits, fast: true);

    internal static IReadOnlyList<YamlDocument> ReadDocuments(string text, ParseLimits? limits, bool fast) => ReadDocuments(text.AsMemory(), limits, fast);

    /// <param name="fast">Whether documents in the block style of Kubernetes manifests are read by <see cref="BlockYaml"/> (the same trees, faster); false reads all with YamlDotNet.</param>
    internal static IReadOnlyList<YamlDocument> ReadDocuments(ReadOnlyMemory<char> text, ParseLimits? limits, bool fast)
    {
        limits ??= ParseLimits.Default;
        var documents = new List<YamlDocument>();
        foreach (var (start, length, firstLine) in SplitDocuments(text.Span))
        {
            if (length > limits.MaxYamlDocumentBytes)
            {
                documents.Add(new YamlDocument(null, firstLine, new ParseException(
                    $"document is {FormatSize(length)}, over the {FormatSize(limits.MaxYamlDocumentBytes)} limit for one document", firstLine)));
                continue;
            }

            try
            {
                var root = fast && BlockYaml.TryParse(text.Span.Slice(start, length), firstLine - 1, limits, out var read)
                    ? read
                    : ParseOne(text.Slice(start, length), firstLine - 1, limits);
                if (root is not null and not ScalarNode { Kind: NodeKind.Null })
                {
                    documents.Add(new YamlDocument(root, root.Line == 0 ? firstLine : root.Line, null));
                }
            }
            catch (ParseException e)
            {
                // An error found at the end of the input belongs to the document's last line.
                var lastLine = firstLine + text.Span.Slice(start, length).TrimEnd('\n').Count('\n');
                var line = Math.Clamp(e.Line, firstLine, lastLine);
                documents.Add(new YamlDocument(null, line, line == e.Line ? e : new ParseException(e.Message, line)));
            }
        }

        return documents;
    }

    /// <summary>Parses text that holds exactly one document (or none).</summary>
    public static Node? ReadSingle(string text, ParseLimits? limits = null)
    {
        var docs = ReadDocuments(text, limits);
        foreach (var doc in docs)
        {
            if (doc.Error is not null)
            {
                throw doc.Error;
            }
        }

        return docs.Count switch
        {
            0 => null,
            1 => docs[0].Root,
            _ => throw new ParseException("expected one YAML document, found " + docs.Count, docs[1].Line),
        };
    }

    internal static string FormatSize(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.#} MiB" : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.#} KiB" : $"{bytes} bytes";

    /// <summary>
    /// Splits at <c>---</c> lines so that each document parses alone. A document marker is
    /// only a marker at column 0, where no block scalar of a Kubernetes object can reach.
    /// </summary>
    private static List<(int Start, int Length, int FirstLine)> SplitDocuments(ReadOnlySpan<char> text)
    {
        var documents = new List<(int Start, int Length, int FirstLine)>();
        var start = 0;
        var startLine = 1;
        var line = 1;
        var position = 0;
        while (position < text.Length)
        {
            var end = text[position..].IndexOf('\n');
            var next = end < 0 ? text.Length : position + end + 1;
            if (position > start && IsDocumentStart(text[position..next]))
            {
                documents.Add((start, position - start, startLine));
                start = position;
                startLine = line;
            }

            position = next;
            line++;
        }

        if (text.Length > start)
        {
            documents.Add((start, text.Length - start, startLine));
        }

        return documents;
    }

    private static bool IsDocumentStart(ReadOnlySpan<char> line) =>
        line.StartsWith("---", StringComparison.Ordinal) && (line.Length == 3 || char.IsWhiteSpace(line[3]));

    private static Node? ParseOne(ReadOnlyMemory<char> text, int lineOffset, ParseLimits limits)
    {
        var builder = new TreeBuilder(limits, lineOffset);
        var parser = new Parser(new Scanner(new MemoryTextReader(text), skipComments: true));
        try
        {
            while (parser.MoveNext())
            {
                if (builder.Accept(parser.Current!))
                {
                    break;
                }
            }
        }
        catch (YamlException e)
        {
            throw new ParseException(CleanMessage(e.Message), (int)e.Start.Line + lineOffset);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some malformed flow collections
            // (an unclosed "[" before an indented line): an error of the input, not of ours.
            var line = parser.Current is { } last ? (int)last.End.Line : 1;
            throw new ParseException("invalid YAML: unclosed flow collection or bad indentation", line + lineOffset);
        }

        return builder.Root;
    }

    private static string CleanMessage(string message)
    {
        var cleaned = PositionPrefix().Replace(message, string.Empty).Trim();
        return cleaned.Length == 0 ? "invalid YAML" : char.ToLowerInvariant(cleaned[0]) + cleaned[1..];
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    private sealed class TreeBuilder(ParseLimits limits, int lineOffset)
    {
        private readonly Stack<Frame> _frames = new();
        private readonly Dictionary<string, Node> _anchors = new(StringComparer.Ordinal);
        private long _nodes;
        private bool _seenDocument;

        public Node? Root { get; private set; }

        /// <summary>Returns true once the (single) document is complete.</summary>
        public bool Accept(ParsingEvent e)
        {
            switch (e)
            {
                case DocumentStart:
                    if (_seenDocument)
                    {
                        throw new ParseException("unexpected second document", Line(e));
                    }

                    _seenDocument = true;
                    return false;
                case DocumentEnd:
                    return true;
                case Scalar scalar:
                    OnScalar(scalar);
                    return false;
                case AnchorAlias alias:
                    OnAlias(alias);
                    return false;
                case MappingStart m:
                    Push(new Frame(isMap: true, Line(e), AnchorOf(m)), e);
                    return false;
                case SequenceStart s:
                    Push(new Frame(isMap: false, Line(e), AnchorOf(s)), e);
                    return false;
                case MappingEnd or SequenceEnd:
                    Pop();
                    return false;
                default:
                    return false;
            }
        }

        private int Line(ParsingEvent e) => (int)e.Start.Line + lineOffset;

        private static string? AnchorOf(NodeEvent e) => e.Anchor.IsEmpty ? null : e.Anchor.Value;

        private void Count(long n, ParsingEvent e)
        {
            _nodes += n;
            if (_nodes > limits.MaxNodes)
            {
                throw new ParseException($"document expands to more than {limits.MaxNodes:N0} nodes (an alias bomb?)", Line(e));
            }
        }

        private void Push(Frame frame, ParsingEvent e)
        {
            if (_frames.TryPeek(out var top) && top.IsMap && top.PendingKey is null)
            {
                throw new ParseException("complex mapping keys are not supported", Line(e));
            }

            if (_frames.Count >= limits.MaxDepth)
            {
                throw new ParseException($"nesting is deeper than {limits.MaxDepth} levels", Line(e));
            }

            Count(1, e);
            _frames.Push(frame);
        }

        private void Pop()
        {
            var frame = _frames.Pop();
            var node = frame.Build();
            if (frame.Anchor is not null)
            {
                _anchors[frame.Anchor] = node;
            }

            Add(node);
        }

        private void OnScalar(Scalar scalar)
        {
            var line = Line(scalar);
            if (scalar.Value.Length > limits.MaxScalarBytes)
            {
                throw new ParseException($"scalar of {FormatSize(scalar.Value.Length)} is over the {FormatSize(limits.MaxScalarBytes)} limit", line);
            }

            if (_frames.TryPeek(out var top) && top.IsMap && top.PendingKey is null)
            {
                var isMerge = scalar.Value == "<<" && scalar.Style == ScalarStyle.Plain;
                top.SetKey(scalar.Value, line, isMerge);
                if (!scalar.Anchor.IsEmpty)
                {
                    _anchors[scalar.Anchor.Value] = ScalarNode.String(scalar.Value, line);
                }

                return;
            }

            Count(1, scalar);
            var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
            var node = YamlScalars.Resolve(scalar.Value, scalar.Style == ScalarStyle.Plain, tag, line);
            if (!scalar.Anchor.IsEmpty)
            {
                _anchors[scalar.Anchor.Value] = node;
            }

            Add(node);
        }

        private void OnAlias(AnchorAlias alias)
        {
            var line = Line(alias);
            if (!_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new ParseException($"alias *{alias.Value.Value} names no anchor", line);
            }

            if (_frames.TryPeek(out var top) && top.IsMap && top.PendingKey is null)
            {
                if (target is not ScalarNode scalarKey)
                {
                    throw new ParseException("complex mapping keys are not supported", line);
                }

                top.SetKey(scalarKey.Text, line, isMerge: false);
                return;
            }

            Count(target.Size, alias);
            Add(target);
        }

        private void Add(Node node)
        {
            if (_frames.TryPeek(out var top))
            {
                top.Add(node);
            }
            else
            {
                Root = node;
            }
        }
    }

    private sealed class Frame(bool isMap, int line, string? anchor)
    {
        private readonly List<string> _keys = [];
        private readonly List<Node> _values = [];
        private HashSet<string>? _seen;
        private List<Node>? _merges;
        private int _pendingLine;
        private bool _pendingMerge;

        public bool IsMap { get; } = isMap;

        public string? Anchor { get; } = anchor;

        public string? PendingKey { get; private set; }

        public void SetKey(string key, int keyLine, bool isMerge)
        {
            _pendingMerge = isMerge;
            if (!isMerge)
            {
                _seen ??= new HashSet<string>(StringComparer.Ordinal);
                if (!_seen.Add(key))
                {
                    throw new ParseException($"duplicate key '{key}' in a mapping", keyLine);
                }
            }

            PendingKey = key;
            _pendingLine = keyLine;
        }

        public void Add(Node node)
        {
            if (!IsMap)
            {
                _values.Add(node);
                return;
            }

            if (_pendingMerge)
            {
                _merges ??= [];
                _merges.Add(node);
            }
            else
            {
                _keys.Add(PendingKey!);
                _values.Add(node);
            }

            PendingKey = null;
            _pendingMerge = false;
        }

        public Node Build()
        {
            if (!IsMap)
            {
                return new ListNode([.. _values], line);
            }

            if (PendingKey is not null)
            {
                throw new ParseException($"key '{PendingKey}' has no value", _pendingLine);
            }

            if (_merges is not null)
            {
                ApplyMerges();
            }

            return new MapNode([.. _keys], [.. _values], line);
        }

        /// <summary>YAML merge keys: explicit keys win, then earlier merged maps over later ones.</summary>
        private void ApplyMerges()
        {
            var present = new HashSet<string>(_keys, StringComparer.Ordinal);
            foreach (var merge in _merges!)
            {
                IEnumerable<Node> sources = merge is ListNode list ? list.Items : [merge];
                foreach (var source in sources)
                {
                    if (source is not MapNode map)
                    {
                        throw new ParseException("a merge key (<<) needs a mapping or a list of mappings", source.Line);
                    }

                    foreach (var (key, value) in map.Entries)
                    {
                        if (present.Add(key))
                        {
                            _keys.Add(key);
                            _values.Add(value);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A <see cref="TextReader"/> over a slice of a string, without copying it.</summary>
    private sealed class MemoryTextReader(ReadOnlyMemory<char> text) : TextReader
    {
        private int _position;

        public override int Peek() => _position < text.Length ? text.Span[_position] : -1;

        public override int Read() => _position < text.Length ? text.Span[_position++] : -1;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            var n = Math.Min(buffer.Length, text.Length - _position);
            text.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }
}
