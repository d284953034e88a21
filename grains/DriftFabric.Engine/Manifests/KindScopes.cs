using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Manifests;

/// <summary>
/// Knows which kinds are cluster-scoped: the built-in ones, those declared by a
/// CustomResourceDefinition in either state, and those seen live without a namespace.
/// </summary>
public sealed class KindScopes
{
    private static readonly string[] BuiltIn =
    [
        "core/Namespace", "core/Node", "core/PersistentVolume", "core/ComponentStatus",
        "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment",
        "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
        "scheduling.k8s.io/PriorityClass", "node.k8s.io/RuntimeClass", "networking.k8s.io/IngressClass",
        "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
        "certificates.k8s.io/CertificateSigningRequest", "certificates.k8s.io/ClusterTrustBundle",
        "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
        "gateway.networking.k8s.io/GatewayClass", "cert-manager.io/ClusterIssuer",
        "policy/PodSecurityPolicy", "resource.k8s.io/DeviceClass",
    ];

    private readonly HashSet<string> _clusterScoped = new(BuiltIn, StringComparer.Ordinal);

    public bool IsClusterScoped(string group, string kind) => _clusterScoped.Contains(group + "/" + kind);

    public void AddClusterScoped(string group, string kind) => _clusterScoped.Add(group + "/" + kind);

    /// <summary>
    /// Learns from CRDs (<c>spec.scope</c>) and from live kinds none of whose objects carry a
    /// namespace (one malformed object does not flip a namespaced kind).
    /// </summary>
    public void LearnFrom(IEnumerable<Manifest> manifests, bool live)
    {
        var withNamespace = new HashSet<string>(StringComparer.Ordinal);
        var withoutNamespace = new HashSet<(string Group, string Kind)>();
        foreach (var manifest in manifests)
        {
            if (manifest.Kind == "CustomResourceDefinition" && manifest.Root.GetMap("spec") is { } spec
                && spec.GetString("scope") == "Cluster" && spec.GetString("group") is { } group
                && spec.GetMap("names")?.GetString("kind") is { } kind)
            {
                AddClusterScoped(group, kind);
            }

            if (live && manifest.Namespace is null)
            {
                withoutNamespace.Add((manifest.Group, manifest.Kind));
            }
            else if (live)
            {
                withNamespace.Add(manifest.GroupKind);
            }
        }

        foreach (var (group, kind) in withoutNamespace)
        {
            if (!withNamespace.Contains(group + "/" + kind))
            {
                AddClusterScoped(group, kind);
            }
        }
    }
}
