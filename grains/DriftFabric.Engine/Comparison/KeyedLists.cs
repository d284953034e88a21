using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// The lists whose elements are matched by a key rather than by position. Ports are keyed by
/// number and protocol, as the API server keys them (<c>protocol</c> left out is TCP): DNS on
/// 53/TCP and 53/UDP are two elements.
/// </summary>
internal static class KeyedLists
{
    private const string ProtocolField = "protocol";

    /// <summary>
    /// The key field of the list at <paramref name="path"/>, or null when the list is atomic
    /// (also when an element lacks the key, which no keyed list of the API allows).
    /// </summary>
    public static string? KeyFieldOf(ResourceKey resource, IReadOnlyList<PathStep> path, ListNode desired, ListNode live) =>
        CandidateKeyField(resource, path) is { } keyField && AllKeyed(desired, keyField) && AllKeyed(live, keyField) ? keyField : null;

    /// <summary>As the other overload, for a live list read in place from parsed JSON.</summary>
    public static string? KeyFieldOf(ResourceKey resource, IReadOnlyList<PathStep> path, ListNode desired, JsonElement live) =>
        CandidateKeyField(resource, path) is { } keyField && AllKeyed(desired, keyField) && AllKeyed(live, keyField) ? keyField : null;

    /// <summary>The key field a list at <paramref name="path"/> is matched by, if its elements all have it; null: the list is atomic whatever it holds.</summary>
    public static string? CandidateKeyField(ResourceKey resource, IReadOnlyList<PathStep> path)
    {
        if (path.Count == 0 || path[^1].IsElement)
        {
            return null;
        }

        return path[^1].Name switch
        {
            "containers" or "initContainers" or "ephemeralContainers" or "env" or "volumes" or "imagePullSecrets" => "name",
            "volumeMounts" => "mountPath",
            "ports" when IsInsideContainer(path) => "containerPort",
            "ports" when path.Count == 2 && path[0] == PathStep.Field("spec") && resource is { Kind: "Service", Group: ResourceKey.CoreGroup } => "port",
            // A list-map keyed by name in the API (listMapKey=name), as kubectl and server-side apply treat it.
            "webhooks" when path.Count == 1 && Policy.CertificateBundles.IsWebhookConfiguration(resource) => "name",
            _ => null,
        };
    }

    /// <summary>The path step that names an element of a list keyed by <paramref name="keyField"/>.</summary>
    public static PathStep StepOf(MapNode element, string keyField) =>
        PathStep.Element(keyField, ((ScalarNode)element[keyField]!).Text, PathStep.IsPortField(keyField) ? element.GetString(ProtocolField) : null);

    /// <inheritdoc cref="StepOf(MapNode, string)"/>
    public static PathStep StepOf(JsonElement element, string keyField) =>
        PathStep.Element(keyField, KeyTextOf(element.GetProperty(keyField)), PathStep.IsPortField(keyField) ? JsonNodes.StringOf(element, "protocol"u8) : null);

    /// <summary>
    /// True when a live element has the key of a desired one: the key field's value (a port
    /// written <c>"8080"</c> is port 8080: keys match by their text too) and, for a port, the
    /// protocol (absent is TCP).
    /// </summary>
    public static bool SameKey(MapNode desired, JsonElement live, string keyField, string keyText)
    {
        if (!live.TryGetProperty(keyField, out var key) || !(JsonNodes.ValueEquals((ScalarNode)desired[keyField]!, key) || JsonNodes.KeyTextEquals(key, keyText)))
        {
            return false;
        }

        return !PathStep.IsPortField(keyField)
            || string.Equals(PathStep.ProtocolOf(desired.GetString(ProtocolField)), PathStep.ProtocolOf(JsonNodes.StringOf(live, "protocol"u8)), StringComparison.Ordinal);
    }

    private static string KeyTextOf(JsonElement key) => key.ValueKind == JsonValueKind.String ? key.GetString()! : JsonNodes.ToScalar(key).Text;

    private static bool IsInsideContainer(IReadOnlyList<PathStep> path) =>
        path.Count >= 3 && path[^2].IsElement && path[^3] is { IsElement: false, Name: "containers" or "initContainers" or "ephemeralContainers" };

    /// <summary>True when every element of <paramref name="list"/> is a map with a scalar <paramref name="keyField"/>.</summary>
    public static bool AllKeyed(ListNode list, string keyField)
    {
        foreach (var item in list.Items)
        {
            if (item is not MapNode map || map[keyField] is not ScalarNode { Kind: not NodeKind.Null })
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllKeyed(JsonElement list, string keyField)
    {
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(keyField, out var key) || !JsonNodes.IsScalar(key) || key.ValueKind == JsonValueKind.Null)
            {
                return false;
            }
        }

        return true;
    }
}
