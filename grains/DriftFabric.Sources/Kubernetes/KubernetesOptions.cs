namespace DriftFabric.Sources.Kubernetes;

/// <summary>How the silo reaches API servers: for <c>live: { inCluster: true }</c>, where the pod's service account is mounted.</summary>
public sealed class KubernetesOptions
{
    /// <summary>The silo's settings section (<c>DriftFabric:Kubernetes</c>, or <c>DRIFTFABRIC__KUBERNETES__SERVICEACCOUNTDIRECTORY</c>).</summary>
    public const string Section = "DriftFabric:Kubernetes";

    /// <summary>Where Kubernetes mounts a pod's ServiceAccount token, its cluster's CA certificate and its namespace.</summary>
    public const string StandardServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>
    /// The folder holding the ServiceAccount's <c>token</c>, <c>ca.crt</c> and <c>namespace</c>, as
    /// Kubernetes mounts them (a projected volume elsewhere, or a test's own folder).
    /// </summary>
    public string ServiceAccountDirectory { get; set; } = StandardServiceAccountDirectory;

    /// <summary>The first problem with these options, or null.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(ServiceAccountDirectory) ? "Kubernetes ServiceAccountDirectory is empty"
        : !Path.IsPathFullyQualified(ServiceAccountDirectory) ? $"Kubernetes ServiceAccountDirectory must be an absolute path, not '{ServiceAccountDirectory}'"
        : null;
}
