using System.Buffers;
using System.Text.Json;

namespace DriftFabric.Engine.Model;

/// <summary>
/// The source lines of a tree's nodes, kept apart from its JSON: a document sent and stored as
/// compact JSON still names the line of each field it declares. The lines are listed in the
/// order the JSON is written (each node, then its members or items), each as the difference
/// from the one before (zigzag, variable length): a Deployment's take about a byte per field.
/// </summary>
public static class NodeLines
{
    /// <summary>The lines of <paramref name="root"/>'s nodes; null when it has none (a tree read from JSON).</summary>
    public static byte[]? Of(Node root)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var previous = 0;
        var any = false;
        Walk(root);
        return any ? buffer.WrittenSpan.ToArray() : null;

        void Walk(Node node)
        {
            any |= node.Line > 0;
            Write(buffer, node.Line - previous);
            previous = node.Line;
            switch (node)
            {
                case MapNode map:
                    for (var i = 0; i < map.Count; i++)
                    {
                        Walk(map.ValueAt(i));
                    }

                    break;
                case ListNode list:
                    foreach (var item in list.Items)
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// The tree of <paramref name="element"/> with the lines <see cref="Of"/> listed for it; nodes
    /// past the end of the list (a list of another document) read line 0, which names no line.
    /// </summary>
    public static Node ToNode(JsonElement element, ReadOnlySpan<byte> lines)
    {
        var cursor = new Cursor(lines);
        return Build(element, ref cursor);
    }

    private static Node Build(JsonElement element, ref Cursor lines)
    {
        var line = lines.Next();
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var keys = new string[element.GetPropertyCount()];
                var values = new Node[keys.Length];
                var i = 0;
                foreach (var property in element.EnumerateObject())
                {
                    keys[i] = JsonNodes.KeyOf(property);
                    values[i] = Build(property.Value, ref lines);
                    i++;
                }

                return new MapNode(keys, values, line);
            case JsonValueKind.Array:
                var items = new Node[element.GetArrayLength()];
                var j = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items[j++] = Build(item, ref lines);
                }

                return new ListNode(items, line);
            default:
                return JsonNodes.ToScalar(element).AtLine(line);
        }
    }

    /// <summary>
    /// The line of the next node of a list <see cref="Of"/> wrote, read at <paramref name="position"/>
    /// after the node whose line was <paramref name="line"/> (both advanced); 0 past its end.
    /// </summary>
    public static int Next(ReadOnlySpan<byte> lines, ref int position, ref int line)
    {
        if (position >= lines.Length)
        {
            return 0;
        }

        uint value = 0;
        var shift = 0;
        byte b;
        do
        {
            b = lines[position++];
            value |= (uint)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0 && position < lines.Length && shift < 35);

        line += (int)(value >> 1) ^ -(int)(value & 1);
        return Math.Max(line, 0);
    }

    private static void Write(ArrayBufferWriter<byte> buffer, int delta)
    {
        var value = (uint)((delta << 1) ^ (delta >> 31));
        var span = buffer.GetSpan(5);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        buffer.Advance(n);
    }

    private ref struct Cursor(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;
        private int _line;

        public int Next() => NodeLines.Next(_bytes, ref _position, ref _line);
    }
}
