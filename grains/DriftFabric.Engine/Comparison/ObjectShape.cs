using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// The part of an object that is compared: identity (apiVersion, kind, name, namespace),
/// <c>status</c> and system metadata are dropped; a desired Secret's <c>stringData</c> is folded
/// into <c>data</c> as the API server does.
/// </summary>
public static class ObjectShape
{
    private static readonly string[] IgnoredRootFields = ["apiVersion", "kind", "status"];

    private static readonly string[] SystemMetadata =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
        "deletionTimestamp", "deletionGracePeriodSeconds",
    ];

    /// <summary>
    /// A hash of what a comparison of this live object can see: its comparable shape and its
    /// non-status managedFields. A status-only update leaves it unchanged, so it costs nothing.
    /// </summary>
    public static string ProjectionHash(MapNode live)
    {
        var owners = new List<Node>();
        if (live.GetMap("metadata")?["managedFields"] is ListNode entries)
        {
            foreach (var entry in entries.Items)
            {
                if (entry is MapNode map && map.GetString("subresource") != "status")
                {
                    owners.Add(map);
                }
            }
        }

        var projection = new MapNode(["shape", "owners"], [Comparable(live, isDesired: false), new ListNode([.. owners], 0)], 0);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(projection.ToJson()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>
    /// True for a live field that <see cref="Comparable"/> drops: the same shape, read in place
    /// from parsed JSON instead of copied.
    /// </summary>
    internal static bool IsDropped(IReadOnlyList<Paths.PathStep> parent, string name, bool isSecret) => parent.Count switch
    {
        0 => Array.IndexOf(IgnoredRootFields, name) >= 0 || (isSecret && name == "stringData"),
        1 => parent[0] == Paths.PathStep.Field("metadata") && Array.IndexOf(SystemMetadata, name) >= 0,
        _ => false,
    };

    public static MapNode Comparable(MapNode root, bool isDesired)
    {
        var isSecret = ResourceKey.IsSecretKind(ResourceKey.GroupOf(root.GetString("apiVersion") ?? string.Empty), root.GetString("kind") ?? string.Empty);
        var result = root;
        foreach (var field in IgnoredRootFields)
        {
            result = result.Without(field);
        }

        if (result.GetMap("metadata") is { } metadata)
        {
            var stripped = metadata;
            foreach (var field in SystemMetadata)
            {
                stripped = stripped.Without(field);
            }

            if (!ReferenceEquals(stripped, metadata))
            {
                result = result.With("metadata", stripped);
            }
        }

        return isSecret ? FoldStringData(result, isDesired) : result;
    }

    private static MapNode FoldStringData(MapNode secret, bool isDesired)
    {
        if (secret["stringData"] is not { } stringData)
        {
            return secret;
        }

        var withoutStringData = secret.Without("stringData");
        if (!isDesired || stringData is not MapNode plain || plain.Count == 0)
        {
            return withoutStringData;
        }

        var data = secret["data"] as MapNode ?? MapNode.Empty;
        foreach (var (key, value) in plain.Entries)
        {
            var text = value is ScalarNode s && s.Kind != NodeKind.Null ? s.Text : string.Empty;
            data = data.With(key, ScalarNode.String(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)), value.Line));
        }

        return withoutStringData.With("data", data);
    }
}
