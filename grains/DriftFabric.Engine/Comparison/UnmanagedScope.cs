using DriftFabric.Engine.Manifests;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Decides which live objects that no desired document declares are <c>Unmanaged</c>: those of a
/// kind the desired state uses, in a namespace it uses, that nothing owns and that are not
/// objects every cluster creates by itself.
/// </summary>
public sealed class UnmanagedScope
{
    private static readonly HashSet<string> SystemNamespaces = new(StringComparer.Ordinal) { "kube-system", "kube-public", "kube-node-lease" };

    /// <summary>Objects every cluster (or every Istio mesh) creates on its own, as <c>group/Kind/namespace/name</c> globs.</summary>
    private static readonly string[] DefaultObjects =
    [
        "core/ServiceAccount/*/default",
        "core/ConfigMap/*/kube-root-ca.crt",
        "core/ConfigMap/*/istio-ca-root-cert",
        "core/ConfigMap/*/openshift-service-ca.crt",
        "rbac.authorization.k8s.io/ClusterRole/_/system:*",
        "rbac.authorization.k8s.io/ClusterRoleBinding/_/system:*",
        "rbac.authorization.k8s.io/Role/*/system:*",
        "rbac.authorization.k8s.io/RoleBinding/*/system:*",
        "core/Service/default/kubernetes",
        "core/Namespace/_/default",
        "core/Namespace/_/kube-system",
        "core/Namespace/_/kube-public",
        "core/Namespace/_/kube-node-lease",
    ];

    private readonly HashSet<string> _kinds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);

    public UnmanagedScope(IEnumerable<ResourceKey> desired)
    {
        foreach (var key in desired)
        {
            _kinds.Add(key.GroupKind);
            if (!key.IsClusterScoped)
            {
                _namespaces.Add(key.Namespace);
            }
            else if (key is { Group: ResourceKey.CoreGroup, Kind: "Namespace" })
            {
                _namespaces.Add(key.Name);
            }
        }
    }

    public bool Contains(ResourceKey key, Manifest live)
    {
        if (!_kinds.Contains(key.GroupKind) || (!key.IsClusterScoped && !_namespaces.Contains(key.Namespace)))
        {
            return false;
        }

        if (SystemNamespaces.Contains(key.Namespace) || live.Metadata?["ownerReferences"] is { IsEmpty: false })
        {
            return false;
        }

        var text = key.ToString();
        return !Array.Exists(DefaultObjects, pattern => Glob.IsMatch(pattern, text)) && !IsBookkeeping(live);
    }

    /// <summary>
    /// Objects that tools keep for themselves: the API server's bootstrap RBAC, service account
    /// token Secrets of older clusters, and Helm's release records.
    /// </summary>
    private static bool IsBookkeeping(Manifest live) =>
        live.Metadata?.GetMap("labels")?.GetString("kubernetes.io/bootstrapping") == "rbac-defaults"
        || (ResourceKey.IsSecretKind(live.Group, live.Kind) && live.Root.GetString("type") is "kubernetes.io/service-account-token" or "helm.sh/release.v1");
}
