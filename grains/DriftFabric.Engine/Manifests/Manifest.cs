using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Manifests;

/// <summary>One Kubernetes object as read from a file or the API: its tree and where it came from.</summary>
public sealed class Manifest
{
    public Manifest(MapNode root, SourceLocation location)
    {
        Root = root;
        Location = location;
        ApiVersion = root.GetString("apiVersion") ?? string.Empty;
        Kind = root.GetString("kind") ?? string.Empty;
        Group = ResourceKey.GroupOf(ApiVersion);
        var metadata = root.GetMap("metadata");
        Name = metadata?.GetString("name") ?? string.Empty;
        var ns = metadata?.GetString("namespace");
        Namespace = string.IsNullOrEmpty(ns) ? null : ns;
    }

    public MapNode Root { get; }

    public SourceLocation Location { get; }

    public string ApiVersion { get; }

    public string Group { get; }

    public string Kind { get; }

    public string Name { get; }

    /// <summary>The namespace as written, or null when the object names none.</summary>
    public string? Namespace { get; }

    public string GroupKind => Group + "/" + Kind;

    public MapNode? Metadata => Root.GetMap("metadata");

    /// <summary>The key under the given scope rules: cluster-scoped kinds get <c>_</c>, others the written or default namespace.</summary>
    public ResourceKey KeyIn(KindScopes scopes, string defaultNamespace) =>
        new(Group, Kind, scopes.IsClusterScoped(Group, Kind) ? ResourceKey.ClusterScope : Namespace ?? defaultNamespace, Name);

    public override string ToString() => $"{GroupKind} {Namespace}/{Name} ({Location})";
}
