namespace DriftFabric.Engine.Manifests;

/// <summary>
/// <c>group/Kind/namespace/name</c>: the identity of a Kubernetes object across API versions.
/// The core group is written <c>core</c>; cluster-scoped objects use <c>_</c> as namespace.
/// </summary>
public readonly record struct ResourceKey(string Group, string Kind, string Namespace, string Name)
{
    public const string CoreGroup = "core";
    public const string ClusterScope = "_";

    /// <summary>The kind of every proxy's resource (<c>caddy/Proxy/_/edge</c>: its group is the proxy's kind, <see cref="Proxies.ProxyKinds.ToText"/>).</summary>
    public const string ProxyResourceKind = "Proxy";

    public bool IsClusterScoped => Namespace == ClusterScope;

    /// <summary>A proxy's whole config, not a Kubernetes object.</summary>
    public bool IsProxy => Kind == ProxyResourceKind;

    /// <summary>A core Secret: its values are known only as digests, so they are never shown, written or adopted.</summary>
    public bool IsSecret => IsSecretKind(Group, Kind);

    /// <summary>Whether <paramref name="group"/> (<c>core</c> or empty for the core group) and <paramref name="kind"/> name a core Secret: the one place that decides it.</summary>
    public static bool IsSecretKind(string group, string kind) => kind == "Secret" && (group == CoreGroup || group.Length == 0);

    /// <summary><c>group/Kind</c>, the part that names the kind.</summary>
    public string GroupKind => Group + "/" + Kind;

    public static string GroupOf(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? CoreGroup : apiVersion[..slash];
    }

    public static bool TryParse(string text, out ResourceKey key)
    {
        var parts = text.Split('/');
        if (parts.Length == 4 && Array.TrueForAll(parts, p => p.Length > 0))
        {
            key = new ResourceKey(parts[0], parts[1], parts[2], parts[3]);
            return true;
        }

        key = default;
        return false;
    }

    public override string ToString() => $"{Group}/{Kind}/{Namespace}/{Name}";
}
