using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace DriftFabric.Engine.Model;

/// <summary>
/// An immutable JSON-shaped value parsed from YAML or JSON, carrying the line it came from.
/// The engine works on this tree only, so YAML and JSON inputs are compared the same way.
/// </summary>
public abstract class Node
{
    private protected Node(int line) => Line = line;

    /// <summary>1-based line in the source document, 0 when unknown.</summary>
    public int Line { get; }

    public abstract NodeKind Kind { get; }

    /// <summary>Number of nodes in this subtree (aliases counted as often as they are used).</summary>
    public abstract int Size { get; }

    /// <summary><c>null</c>, <c>{}</c>, <c>[]</c> or <c>""</c>: equal to an absent field.</summary>
    public bool IsEmpty => this switch
    {
        ScalarNode s => s.Kind == NodeKind.Null || (s.Kind == NodeKind.String && s.Text.Length == 0),
        MapNode m => m.Count == 0,
        ListNode l => l.Count == 0,
        _ => false,
    };

    public abstract void WriteTo(Utf8JsonWriter writer);

    public string ToJson(bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Compact UTF-8 JSON, escaped as <see cref="ToJson"/> escapes it.</summary>
    public byte[] ToUtf8Json() => WriteUtf8(WriteTo);

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>What <paramref name="write"/> writes, as compact UTF-8 JSON, through one reused buffer per thread.</summary>
    internal static byte[] WriteUtf8(Action<Utf8JsonWriter> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 1 << 20)
        {
            // One huge object does not pin a huge buffer to the thread.
            t_buffer = null;
        }

        return json;
    }

    public override string ToString() => ToJson();
}

public enum NodeKind
{
    Null,
    Bool,
    Number,
    String,
    Map,
    List,
}

public sealed class ScalarNode : Node
{
    public static readonly ScalarNode Null = new(NodeKind.Null, "null", 0);
    public static readonly ScalarNode True = new(NodeKind.Bool, "true", 0);
    public static readonly ScalarNode False = new(NodeKind.Bool, "false", 0);

    private readonly NodeKind _kind;

    private ScalarNode(NodeKind kind, string text, int line, decimal? exact = null, double approx = 0)
        : base(line)
    {
        _kind = kind;
        Text = text;
        Exact = exact;
        Approx = approx;
    }

    public override NodeKind Kind => _kind;

    public override int Size => 1;

    /// <summary>The string value, or the canonical text of a number or bool.</summary>
    public string Text { get; }

    /// <summary>The exact value of a number when it fits a decimal.</summary>
    public decimal? Exact { get; }

    /// <summary>The value of a number as a double (always set for numbers).</summary>
    public double Approx { get; }

    public bool BoolValue => _kind == NodeKind.Bool && Text == "true";

    public static ScalarNode String(string value, int line = 0) => new(NodeKind.String, value, line);

    /// <summary>The same value, read at <paramref name="line"/>.</summary>
    public ScalarNode AtLine(int line) => line == Line ? this : new(_kind, Text, line, Exact, Approx);

    public static ScalarNode Bool(bool value, int line = 0) => line == 0 ? (value ? True : False) : new(NodeKind.Bool, value ? "true" : "false", line);

    public static ScalarNode NullAt(int line) => line == 0 ? Null : new(NodeKind.Null, "null", line);

    public static ScalarNode Number(decimal value, int line = 0)
    {
        var normalized = Normalize(value);
        return new(NodeKind.Number, normalized.ToString(CultureInfo.InvariantCulture), line, normalized, (double)normalized);
    }

    /// <summary>An integer: exact, and already in canonical form (no division to strip zeros).</summary>
    public static ScalarNode Number(long value, int line = 0) =>
        new(NodeKind.Number, value.ToString(CultureInfo.InvariantCulture), line, value, value);

    public static ScalarNode Number(double value, int line = 0)
    {
        if (double.IsFinite(value) && Math.Abs(value) < 7.9e27)
        {
            var asDecimal = (decimal)value;
            if ((double)asDecimal == value)
            {
                return Number(asDecimal, line);
            }
        }

        return new(NodeKind.Number, value.ToString("R", CultureInfo.InvariantCulture), line, null, value);
    }

    /// <summary>Strips trailing zeros so that 3 and 3.0 print and hash alike.</summary>
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    public bool ValueEquals(ScalarNode other)
    {
        if (_kind != other._kind)
        {
            return false;
        }

        if (_kind == NodeKind.Number)
        {
            return Exact is { } a && other.Exact is { } b ? a == b : Approx.Equals(other.Approx);
        }

        return string.Equals(Text, other.Text, StringComparison.Ordinal);
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        switch (_kind)
        {
            case NodeKind.Null:
                writer.WriteNullValue();
                break;
            case NodeKind.Bool:
                writer.WriteBooleanValue(BoolValue);
                break;
            case NodeKind.Number when Exact is { } exact:
                writer.WriteNumberValue(exact);
                break;
            case NodeKind.Number when double.IsFinite(Approx):
                writer.WriteNumberValue(Approx);
                break;
            default:
                // NaN and infinities have no JSON form; strings print as they are.
                writer.WriteStringValue(Text);
                break;
        }
    }
}

public sealed class MapNode : Node
{
    public static readonly MapNode Empty = new([], [], 0);

    private const int IndexThreshold = 8;
    private readonly string[] _keys;
    private readonly Node[] _values;
    private Dictionary<string, int>? _index;
    private byte[][]? _utf8Keys;
    private bool[]? _quantityKeys;
    private readonly int _size;

    /// <summary>Creates a map; keys must be unique (the parsers guarantee it).</summary>
    public MapNode(string[] keys, Node[] values, int line)
        : base(line)
    {
        if (keys.Length != values.Length)
        {
            throw new ArgumentException("keys and values differ in length", nameof(values));
        }

        _keys = keys;
        _values = values;
        var size = 1;
        foreach (var value in values)
        {
            size = SaturatingAdd(size, value.Size);
        }

        _size = size;
    }

    public override NodeKind Kind => NodeKind.Map;

    public override int Size => _size;

    public int Count => _keys.Length;

    public string KeyAt(int index) => _keys[index];

    public Node ValueAt(int index) => _values[index];

    public IEnumerable<KeyValuePair<string, Node>> Entries
    {
        get
        {
            for (var i = 0; i < _keys.Length; i++)
            {
                yield return new(_keys[i], _values[i]);
            }
        }
    }

    public Node? this[string key] => TryGet(key, out var value) ? value : null;

    public bool TryGet(string key, out Node value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = null!;
            return false;
        }

        value = _values[i];
        return true;
    }

    /// <summary>
    /// Whether the value of the key at <paramref name="index"/> is read as a quantity (see
    /// <c>Quantity.IsContextKey</c>): worked out once per map, as desired maps are compared again and again.
    /// </summary>
    internal bool IsQuantityKeyAt(int index, Func<string, bool> isQuantityKey) =>
        (_quantityKeys ??= Array.ConvertAll(_keys, k => isQuantityKey(k)))[index];

    /// <summary>
    /// The index of the key whose UTF-8 form is <paramref name="utf8"/>, or -1: how a map held
    /// for long (desired state) finds the keys of parsed JSON without making strings of them.
    /// </summary>
    public int IndexOfUtf8(ReadOnlySpan<byte> utf8)
    {
        // Built on first use; two threads racing build equal arrays, either will do.
        var keys = _utf8Keys ??= Array.ConvertAll(_keys, System.Text.Encoding.UTF8.GetBytes);
        for (var i = 0; i < keys.Length; i++)
        {
            if (utf8.SequenceEqual(keys[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public int IndexOf(string key)
    {
        if (_keys.Length > IndexThreshold)
        {
            // Built on the first lookup, not at parse time: most maps of a live object are never
            // looked up by key. Two threads racing build the same index; either one will do.
            var index = _index ??= BuildIndex(_keys);
            return index.TryGetValue(key, out var i) ? i : -1;
        }

        for (var i = 0; i < _keys.Length; i++)
        {
            if (string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static Dictionary<string, int> BuildIndex(string[] keys)
    {
        var index = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            index[keys[i]] = i;
        }

        return index;
    }

    public string? GetString(string key) => this[key] is ScalarNode { Kind: NodeKind.String } s ? s.Text : null;

    public MapNode? GetMap(string key) => this[key] as MapNode;

    /// <summary>Returns a copy with <paramref name="key"/> set (added at the end when new).</summary>
    public MapNode With(string key, Node value)
    {
        var i = IndexOf(key);
        if (i >= 0)
        {
            var values = (Node[])_values.Clone();
            values[i] = value;
            return new MapNode(_keys, values, Line);
        }

        return new MapNode([.. _keys, key], [.. _values, value], Line);
    }

    /// <summary>Returns a copy without <paramref name="key"/>, or this map when it has no such key.</summary>
    public MapNode Without(string key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return this;
        }

        var keys = new string[_keys.Length - 1];
        var values = new Node[_keys.Length - 1];
        Array.Copy(_keys, 0, keys, 0, i);
        Array.Copy(_keys, i + 1, keys, i, keys.Length - i);
        Array.Copy(_values, 0, values, 0, i);
        Array.Copy(_values, i + 1, values, i, values.Length - i);
        return new MapNode(keys, values, Line);
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        for (var i = 0; i < _keys.Length; i++)
        {
            writer.WritePropertyName(_keys[i]);
            _values[i].WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    internal static int SaturatingAdd(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);
}

public sealed class ListNode : Node
{
    public static readonly ListNode Empty = new([], 0);

    private readonly Node[] _items;
    private readonly int _size;

    public ListNode(Node[] items, int line)
        : base(line)
    {
        _items = items;
        var size = 1;
        foreach (var item in items)
        {
            size = MapNode.SaturatingAdd(size, item.Size);
        }

        _size = size;
    }

    public override NodeKind Kind => NodeKind.List;

    public override int Size => _size;

    public int Count => _items.Length;

    public Node this[int index] => _items[index];

    public IReadOnlyList<Node> Items => _items;

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (var item in _items)
        {
            item.WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}
