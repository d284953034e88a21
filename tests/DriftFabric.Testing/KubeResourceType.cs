namespace DriftFabric.Testing;

/// <summary>A kind the in-process API server serves: what discovery lists and the URLs it answers.</summary>
public sealed record KubeResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced = true)
{
    /// <summary>What kubectl accepts for the plural (<c>deploy</c>, <c>cm</c>), as the real server's discovery lists them.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Whether the kind has a <c>/scale</c> subresource (Deployment, StatefulSet, ReplicaSet).</summary>
    public bool Scales { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The URL prefix of the group version: <c>/api/v1</c> or <c>/apis/apps/v1</c>.</summary>
    public string Prefix => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    public static IReadOnlyList<KubeResourceType> Defaults { get; } =
    [
        new(string.Empty, "v1", "ConfigMap", "configmaps") { ShortNames = ["cm"] },
        new(string.Empty, "v1", "Secret", "secrets"),
        new(string.Empty, "v1", "Service", "services") { ShortNames = ["svc"] },
        new(string.Empty, "v1", "ServiceAccount", "serviceaccounts") { ShortNames = ["sa"] },
        new(string.Empty, "v1", "PersistentVolumeClaim", "persistentvolumeclaims") { ShortNames = ["pvc"] },
        new(string.Empty, "v1", "Pod", "pods") { ShortNames = ["po"] },
        new(string.Empty, "v1", "Namespace", "namespaces", Namespaced: false) { ShortNames = ["ns"] },
        new("apps", "v1", "Deployment", "deployments") { ShortNames = ["deploy"], Scales = true },
        new("apps", "v1", "StatefulSet", "statefulsets") { ShortNames = ["sts"], Scales = true },
        new("apps", "v1", "DaemonSet", "daemonsets") { ShortNames = ["ds"] },
        new("apps", "v1", "ReplicaSet", "replicasets") { ShortNames = ["rs"], Scales = true },
        new("batch", "v1", "Job", "jobs"),
        new("batch", "v1", "CronJob", "cronjobs") { ShortNames = ["cj"] },
        new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers") { ShortNames = ["hpa"] },
        new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies") { ShortNames = ["netpol"] },
        new("networking.k8s.io", "v1", "Ingress", "ingresses") { ShortNames = ["ing"] },
        new("rbac.authorization.k8s.io", "v1", "Role", "roles"),
        new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", Namespaced: false),
        new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", Namespaced: false),
        new("networking.istio.io", "v1", "VirtualService", "virtualservices") { ShortNames = ["vs"] },
        new("networking.istio.io", "v1", "DestinationRule", "destinationrules") { ShortNames = ["dr"] },
        new("networking.istio.io", "v1", "Gateway", "gateways") { ShortNames = ["gw"] },
        new("networking.istio.io", "v1", "ServiceEntry", "serviceentries") { ShortNames = ["se"] },
        new("security.istio.io", "v1", "PeerAuthentication", "peerauthentications") { ShortNames = ["pa"] },
        new("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies") { ShortNames = ["ap"] },
    ];
}
