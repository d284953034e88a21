namespace DriftFabric.Sources.Kubernetes;

/// <summary>What the watch knows of API groups and core resources before it asks the server: shared with <c>driftfabric rbac</c>, which grants exactly what the watch asks for.</summary>
public static class KubeGroups
{
    // Groups the API server serves itself: none of their kinds has a CustomResourceDefinition.
    private static readonly HashSet<string> BuiltIn = new(StringComparer.Ordinal)
    {
        string.Empty, "apps", "batch", "autoscaling", "policy", "extensions", "rbac.authorization.k8s.io", "networking.k8s.io", "storage.k8s.io",
        "admissionregistration.k8s.io", "scheduling.k8s.io", "node.k8s.io", "discovery.k8s.io", "flowcontrol.apiserver.k8s.io",
        "apiextensions.k8s.io", "apiregistration.k8s.io", "certificates.k8s.io", "coordination.k8s.io", "events.k8s.io", "resource.k8s.io",
        "authentication.k8s.io", "authorization.k8s.io", "storagemigration.k8s.io", "internal.apiserver.k8s.io",
    };

    /// <summary>True for a group the API server serves itself (the core group is <c>""</c>): the watch reads no CustomResourceDefinition for its kinds.</summary>
    public static bool IsBuiltIn(string apiGroup) => BuiltIn.Contains(apiGroup);

    /// <summary>The core resources the watch follows (through their typed API); other core kinds are reported, not listed.</summary>
    public static bool IsWatchedCore(string plural) => KubeReader.IsSupportedCore(plural);
}
