using System.Buffers;
using System.Globalization;
using System.Text.Json;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Parsing;

/// <summary>
/// Reads JSON (one value, or several concatenated as <c>kubectl get -o json</c> may print them)
/// into <see cref="Node"/> trees with line numbers, refusing duplicate keys, deep nesting and
/// objects larger than <see cref="ParseLimits.MaxObjectBytes"/> (a <c>List</c> may be larger;
/// each of its items may not).
/// </summary>
public static class JsonReader
{
    public static IReadOnlyList<Node> ReadValues(ReadOnlySpan<byte> utf8, ParseLimits? limits = null) => ReadValues(utf8, null, limits);

    /// <summary>
    /// As <see cref="ReadValues(ReadOnlySpan{byte}, ParseLimits?)"/>, for JSON written from a tree read
    /// elsewhere (compact, one line): each node takes its line from <paramref name="nodeLines"/>
    /// (<see cref="NodeLines"/>), so a field names the line it was declared on, not line 1.
    /// </summary>
    public static IReadOnlyList<Node> ReadValues(ReadOnlySpan<byte> utf8, byte[]? nodeLines, ParseLimits? limits = null)
    {
        limits ??= ParseLimits.Default;
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        var lines = new LineIndex(utf8, nodeLines);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = limits.MaxDepth,
            AllowMultipleValues = true,
        });
        var values = new List<Node>();
        try
        {
            while (reader.Read())
            {
                values.Add(ReadValue(ref reader, lines, limits));
            }
        }
        catch (JsonException e)
        {
            throw new ParseException(CleanMessage(e.Message), (int)(e.LineNumber ?? 0) + 1);
        }

        return values;
    }

    private static string CleanMessage(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = (cut > 0 ? message[..cut] : message).Trim().TrimEnd('.');
        return text.Length == 0 ? "invalid JSON" : char.ToLowerInvariant(text[0]) + text[1..];
    }

    private static Node ReadValue(ref Utf8JsonReader reader, LineIndex lines, ParseLimits limits)
    {
        var line = lines.NodeLine(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, lines, limits, line);
            case JsonTokenType.StartArray:
                var items = new List<Node>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines, limits));
                }

                return new ListNode([.. items], line);
            case JsonTokenType.String:
                return ScalarNode.String(Keys.ReadShortValue(ref reader), line);
            case JsonTokenType.Number:
                return ReadNumber(ref reader, line);
            case JsonTokenType.True:
                return ScalarNode.Bool(true, line);
            case JsonTokenType.False:
                return ScalarNode.Bool(false, line);
            case JsonTokenType.Null:
                return ScalarNode.NullAt(line);
            default:
                throw new ParseException($"unexpected {reader.TokenType}", line);
        }
    }

    private static MapNode ReadObject(ref Utf8JsonReader reader, LineIndex lines, ParseLimits limits, int line)
    {
        var start = reader.TokenStartIndex;
        var depth = reader.CurrentDepth;
        var keys = new List<string>();
        var values = new List<Node>();
        HashSet<string>? seen = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = Keys.Read(ref reader);

            // Most objects have a handful of keys: a scan beats a set until they have many.
            var duplicate = keys.Count < 16 ? keys.Contains(key) : !(seen ??= new HashSet<string>(keys, StringComparer.Ordinal)).Add(key);
            if (duplicate)
            {
                throw new ParseException($"duplicate key '{key}' in an object", lines.LineOf(reader.TokenStartIndex));
            }

            reader.Read();
            keys.Add(key);
            values.Add(ReadValue(ref reader, lines, limits));
        }

        var map = new MapNode([.. keys], [.. values], line);
        var bytes = reader.BytesConsumed - start;
        if (depth <= 2 && bytes > limits.MaxObjectBytes && !IsList(map))
        {
            throw new ParseException(
                $"object is {YamlReader.FormatSize(bytes)}, over the {YamlReader.FormatSize(limits.MaxObjectBytes)} limit for one object", line);
        }

        return map;
    }

    /// <summary>Keys, and short string values (which repeat as keys do), as shared strings (see <see cref="KeyStrings"/>).</summary>
    private static class Keys
    {
        private const int MaxValueLength = 24;

        /// <summary>Short string values repeat as keys do (<c>TCP</c>, <c>FieldsV1</c>, <c>Update</c>); longer ones rarely.</summary>
        public static string ReadShortValue(ref Utf8JsonReader reader) =>
            (reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length) > MaxValueLength
                ? reader.GetString()!
                : Read(ref reader);

        public static string Read(ref Utf8JsonReader reader)
        {
            var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (length > KeyStrings.MaxLength)
            {
                return reader.GetString()!;
            }

            Span<char> buffer = stackalloc char[KeyStrings.MaxLength];
            return KeyStrings.Of(buffer[..reader.CopyString(buffer)]);
        }
    }

    private static bool IsList(MapNode map) => map["items"] is ListNode && map.GetString("kind") is { } kind && kind.EndsWith("List", StringComparison.Ordinal);

    private static ScalarNode ReadNumber(ref Utf8JsonReader reader, int line)
    {
        if (reader.TryGetDecimal(out var exact))
        {
            return ScalarNode.Number(exact, line);
        }

        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        var text = System.Text.Encoding.UTF8.GetString(raw);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var approx)
            ? ScalarNode.Number(approx, line)
            : throw new ParseException($"number '{text}' is out of range", line);
    }

    /// <summary>Maps byte offsets to 1-based line numbers.</summary>
    private sealed class LineIndex
    {
        private readonly int[] _lineStarts;
        private readonly byte[]? _nodeLines;
        private int _nodePosition;
        private int _nodeLine;

        public LineIndex(ReadOnlySpan<byte> utf8, byte[]? nodeLines)
        {
            _nodeLines = nodeLines;
            var starts = new List<int> { 0 };
            var offset = 0;
            while (true)
            {
                var next = utf8[offset..].IndexOf((byte)'\n');
                if (next < 0)
                {
                    break;
                }

                offset += next + 1;
                starts.Add(offset);
            }

            _lineStarts = [.. starts];
        }

        /// <summary>The line of the node that starts at <paramref name="offset"/> (nodes are asked for in the order they are read).</summary>
        public int NodeLine(long offset) =>
            _nodeLines is null ? LineOf(offset) : NodeLines.Next(_nodeLines, ref _nodePosition, ref _nodeLine);

        public int LineOf(long offset)
        {
            var i = Array.BinarySearch(_lineStarts, (int)Math.Min(offset, int.MaxValue));
            return (i >= 0 ? i : ~i - 1) + 1;
        }
    }
}
