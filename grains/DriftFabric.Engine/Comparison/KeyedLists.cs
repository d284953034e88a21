using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>The lists whose elements are matched by a key rather than by position.</summary>
internal static class KeyedLists
{
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
            _ => null,
        };
    }

    public static string KeyText(MapNode element, string keyField) => ((ScalarNode)element[keyField]!).Text;

    private static bool IsInsideContainer(IReadOnlyList<PathStep> path) =>
        path.Count >= 3 && path[^2].IsElement && path[^3] is { IsElement: false, Name: "containers" or "initContainers" or "ephemeralContainers" };

    private static bool AllKeyed(ListNode list, string keyField)
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
