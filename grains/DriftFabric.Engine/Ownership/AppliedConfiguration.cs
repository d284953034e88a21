using System.Text.Json;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Ownership;

/// <summary>
/// What the last client-side apply sent, as <c>kubectl apply</c> keeps it in the object's
/// <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation: the next apply removes
/// every field it holds that the code has since dropped. Read when first asked about; a value
/// that is no JSON object holds nothing. A Secret's annotation holds its values in plaintext:
/// nothing here is ever reported, only asked whether it holds a path.
/// </summary>
internal sealed class AppliedConfiguration(ReadOnlyMemory<byte> token)
{
    public const string Annotation = "kubectl.kubernetes.io/last-applied-configuration";

    public static ReadOnlySpan<byte> AnnotationUtf8 => "kubectl.kubernetes.io/last-applied-configuration"u8;

    // Boxed once read (a reference is published whole to racing readers).
    private object? _root;

    /// <summary>The applied object, or <c>default</c> when the annotation is no JSON object.</summary>
    public JsonElement Root => (JsonElement)(_root ??= (object)Read(token.Span));

    /// <summary>
    /// True when the applied object holds a non-empty value at <paramref name="path"/> (keyed
    /// elements matched by their key, a port by number and protocol). For a Secret, a key of
    /// <c>data</c> is held when <c>data</c> or <c>stringData</c> holds it.
    /// </summary>
    public bool Holds(IReadOnlyList<PathStep> path, bool isSecret)
    {
        var node = Root;
        for (var i = 0; i < path.Count; i++)
        {
            var step = path[i];
            if (step.IsPosition)
            {
                node = node.ValueKind == JsonValueKind.Array && int.TryParse(step.Name, out var index) && index >= 0 && index < node.GetArrayLength() ? node[index] : default;
            }
            else if (step.IsElement)
            {
                node = node.ValueKind == JsonValueKind.Array ? ElementOf(node, step) : default;
            }
            else if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(step.Name, out var child))
            {
                node = child;
            }
            else if (isSecret && i == 0 && step.Name == "data" && node.ValueKind == JsonValueKind.Object && node.TryGetProperty("stringData"u8, out child))
            {
                node = child;
            }
            else
            {
                return false;
            }

            if (node.ValueKind == JsonValueKind.Undefined)
            {
                return false;
            }
        }

        return !JsonNodes.IsEmpty(node);
    }

    private static JsonElement ElementOf(JsonElement list, PathStep step)
    {
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(step.KeyField!, out var key) && JsonNodes.IsScalar(key)
                && step.Selects(key.ValueKind == JsonValueKind.String ? key.GetString() : JsonNodes.ToScalar(key).Text, JsonNodes.StringOf(item, "protocol"u8)))
            {
                return item;
            }
        }

        return default;
    }

    private static JsonElement Read(ReadOnlySpan<byte> token)
    {
        try
        {
            var reader = new Utf8JsonReader(token);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return default;
            }

            var text = reader.GetString()!;
            var root = JsonElement.Parse(text, new JsonDocumentOptions { MaxDepth = Parsing.ParseLimits.Default.MaxDepth });
            return root.ValueKind == JsonValueKind.Object ? root : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
