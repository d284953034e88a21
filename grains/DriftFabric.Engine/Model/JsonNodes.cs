using System.Globalization;
using System.Text.Json;

namespace DriftFabric.Engine.Model;

/// <summary>
/// The bridge between a parsed JSON document (<see cref="JsonElement"/>, what a live object is
/// compared on) and the engine's <see cref="Node"/> trees (what desired state and reports are
/// made of). Values compare under the same rules as <see cref="ScalarNode.ValueEquals"/>.
/// </summary>
public static class JsonNodes
{
    /// <summary>Builds the node tree of a JSON value (lines are unknown: 0).</summary>
    public static Node ToNode(JsonElement element) => NodeLines.ToNode(element, []);

    /// <summary>A member's name, as the thread's shared string for it when it has no escapes (keys repeat across objects).</summary>
    internal static string KeyOf(JsonProperty property)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf((byte)'\\') < 0 ? Parsing.KeyStrings.Of(raw) : property.Name;
    }

    public static ScalarNode ToScalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => ScalarNode.String(element.GetString()!),
        JsonValueKind.Number when element.TryGetInt64(out var integer) => ScalarNode.Number(integer),
        JsonValueKind.Number => element.TryGetDecimal(out var exact)
            ? ScalarNode.Number(exact)
            : ScalarNode.Number(double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)),
        JsonValueKind.True => ScalarNode.True,
        JsonValueKind.False => ScalarNode.False,
        JsonValueKind.Null => ScalarNode.Null,
        _ => throw new ArgumentException($"a {element.ValueKind} is not a scalar", nameof(element)),
    };

    /// <summary>A parsed copy of a node tree that owns its memory (no document to dispose).</summary>
    public static JsonElement ToElement(Node node)
    {
        using var document = JsonDocument.Parse(node.ToUtf8Json());
        return document.RootElement.Clone();
    }

    /// <summary>Compact UTF-8 JSON of an element, escaped as <see cref="Node.ToJson"/> escapes it.</summary>
    public static byte[] ToUtf8(JsonElement element) => Node.WriteUtf8(element.WriteTo);

    /// <summary>The string member <paramref name="name"/> of an object, or null when it is absent or not a string.</summary>
    public static string? StringOf(JsonElement map, ReadOnlySpan<byte> name) =>
        map.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool IsScalar(JsonElement element) =>
        element.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null;

    /// <summary><c>null</c>, <c>{}</c>, <c>[]</c> or <c>""</c>: equal to an absent field, as <see cref="Node.IsEmpty"/>.</summary>
    public static bool IsEmpty(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.String => element.ValueEquals(ReadOnlySpan<byte>.Empty),
        JsonValueKind.Object => element.GetPropertyCount() == 0,
        JsonValueKind.Array => element.GetArrayLength() == 0,
        _ => false,
    };

    /// <summary>Scalar equality as <see cref="ScalarNode.ValueEquals"/> has it, without building the live node.</summary>
    public static bool ValueEquals(ScalarNode node, JsonElement element) => node.Kind switch
    {
        NodeKind.String => element.ValueKind == JsonValueKind.String && element.ValueEquals(node.Text),
        NodeKind.Bool => element.ValueKind == (node.BoolValue ? JsonValueKind.True : JsonValueKind.False),
        NodeKind.Null => element.ValueKind == JsonValueKind.Null,
        NodeKind.Number => element.ValueKind == JsonValueKind.Number
            && (node.Exact is { } exact && element.TryGetDecimal(out var live) ? exact == live : node.ValueEquals(ToScalar(element))),
        _ => false,
    };

    /// <summary>
    /// The value a reader is on (left on its last token), as <see cref="ToNode"/> makes it of
    /// the same JSON; null when an object in it names a member twice (which of the two counts is
    /// the parser's choice).
    /// </summary>
    public static Node? ReadNode(ref Utf8JsonReader reader)
    {
        // Members and items gather on the thread's stacks (each level above the ones it reads),
        // then are copied out at their exact count: no growing list per map.
        var keys = t_keys ??= [];
        var values = t_values ??= [];
        try
        {
            return ReadNode(ref reader, keys, values);
        }
        finally
        {
            // Nothing of the value stays reachable from the thread.
            keys.Clear();
            values.Clear();
        }
    }

    private static Node? ReadNode(ref Utf8JsonReader reader, List<string> keys, List<Node> values)
    {
        var start = values.Count;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var keysStart = keys.Count;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.ValueIsEscaped ? reader.GetString()! : Parsing.KeyStrings.Of(reader.ValueSpan);
                    reader.Read();
                    if (keys.IndexOf(key, keysStart) >= 0 || ReadNode(ref reader, keys, values) is not { } value)
                    {
                        return null;
                    }

                    keys.Add(key);
                    values.Add(value);
                }

                var map = new MapNode(
                    System.Runtime.InteropServices.CollectionsMarshal.AsSpan(keys)[keysStart..].ToArray(),
                    System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values)[start..].ToArray(),
                    0);
                keys.RemoveRange(keysStart, map.Count);
                values.RemoveRange(start, map.Count);
                return map;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (ReadNode(ref reader, keys, values) is not { } item)
                    {
                        return null;
                    }

                    values.Add(item);
                }

                var list = new ListNode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values)[start..].ToArray(), 0);
                values.RemoveRange(start, list.Count);
                return list;
            default:
                return ReadScalar(ref reader);
        }
    }

    [ThreadStatic]
    private static List<string>? t_keys;

    [ThreadStatic]
    private static List<Node>? t_values;

    /// <summary>The scalar a reader is on, as <see cref="ToScalar(JsonElement)"/> makes it of the same JSON.</summary>
    public static ScalarNode ReadScalar(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => ScalarNode.String(reader.GetString()!),
        JsonTokenType.Number when reader.TryGetInt64(out var integer) => ScalarNode.Number(integer),
        JsonTokenType.Number => reader.TryGetDecimal(out var exact)
            ? ScalarNode.Number(exact)
            : ScalarNode.Number(double.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture)),
        JsonTokenType.True => ScalarNode.True,
        JsonTokenType.False => ScalarNode.False,
        JsonTokenType.Null => ScalarNode.Null,
        _ => throw new ArgumentException($"a {reader.TokenType} is not a scalar", nameof(reader)),
    };

    /// <summary>True when a keyed list's key reads as <paramref name="text"/> (strings as they are, numbers canonical).</summary>
    public static bool KeyTextEquals(JsonElement element, string text) => element.ValueKind switch
    {
        JsonValueKind.String => element.ValueEquals(text),
        JsonValueKind.Null => false,
        _ => ToScalar(element).Text == text,
    };
}
