namespace DriftFabric.Testing;

/// <summary>A kind the in-process API server serves: what discovery lists and the URLs it answers.</summary>
public sealed record KubeResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced = true)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The URL prefix of the group version: <c>/api/v1</c> or <c>/apis/apps/v1</c>.</summary>
    public string Prefix => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    public static IReadOnlyList<KubeResourceType> Defaults { get; } =
    [
        new(string.Empty, "v1", "ConfigMap", "configmaps"),
        new(string.Empty, "v1", "Secret", "secrets"),
        new(string.Empty, "v1", "Service", "services"),
        new(string.Empty, "v1", "ServiceAccount", "serviceaccounts"),
        new(string.Empty, "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
        new(string.Empty, "v1", "Pod", "pods"),
        new(string.Empty, "v1", "Namespace", "namespaces", Namespaced: false),
        new("apps", "v1", "Deployment", "deployments"),
        new("apps", "v1", "StatefulSet", "statefulsets"),
        new("apps", "v1", "DaemonSet", "daemonsets"),
        new("batch", "v1", "Job", "jobs"),
        new("batch", "v1", "CronJob", "cronjobs"),
        new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
        new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies"),
        new("networking.k8s.io", "v1", "Ingress", "ingresses"),
        new("rbac.authorization.k8s.io", "v1", "Role", "roles"),
        new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", Namespaced: false),
        new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", Namespaced: false),
        new("networking.istio.io", "v1", "VirtualService", "virtualservices"),
        new("networking.istio.io", "v1", "DestinationRule", "destinationrules"),
        new("networking.istio.io", "v1", "Gateway", "gateways"),
        new("networking.istio.io", "v1", "ServiceEntry", "serviceentries"),
        new("security.istio.io", "v1", "PeerAuthentication", "peerauthentications"),
        new("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies"),
    ];
}
