using System.Text.Json.Nodes;

namespace DriftFabric.Testing;

/// <summary>What <c>kubectl apply</c> (client-side) leaves on an object it creates: the annotation it diffs against next time.</summary>
internal static class ClientSideApply
{
    public const string Manager = "kubectl-client-side-apply";

    public const string Annotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// Sets the annotation to the object as applied: compact JSON with its keys in order (kubectl
    /// writes a Go map), without server-set metadata, status or the annotation itself, ending in a
    /// new line as kubectl's does.
    /// </summary>
    public static void Annotate(JsonObject obj)
    {
        var applied = Sorted(obj)!.AsObject();
        applied.Remove("status");
        if (applied["metadata"] is JsonObject metadata)
        {
            foreach (var field in new[] { "resourceVersion", "uid", "creationTimestamp", "generation", "managedFields" })
            {
                metadata.Remove(field);
            }

            // kubectl puts the annotation on the object before it serializes it, so an object
            // applied without annotations says "annotations": {}.
            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            annotations.Remove(Annotation);
            metadata["annotations"] = annotations;
        }

        var target = obj["metadata"]!.AsObject();
        var kept = target["annotations"] as JsonObject ?? new JsonObject();
        kept[Annotation] = Sorted(applied)!.ToJsonString() + "\n";
        target["annotations"] = kept;
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject map => new JsonObject(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray list => new JsonArray([.. list.Select(Sorted)]),
        _ => node?.DeepClone(),
    };
}
