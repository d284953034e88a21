using DriftFabric.Engine.Manifests;

namespace DriftFabric.Cli.Rbac;

/// <summary>The API resource behind a kind: its group (<c>""</c> for core), plural and whether it is namespaced.</summary>
internal sealed record KubeResourceName(string Group, string Plural, bool Namespaced)
{
    /// <summary>True when the plural is Kubernetes' guess from the kind's name, not known.</summary>
    public bool Guessed { get; init; }
}

/// <summary>
/// Kind to resource without asking an API server (RBAC is generated offline, so there is no
/// discovery): a table of the built-in kinds; for a custom kind, the CustomResourceDefinition the
/// desired state declares; else the guess Kubernetes itself makes (apimachinery's
/// <c>UnsafeGuessKindToResource</c>: lower case, <c>+es</c> after s, <c>y</c> to <c>ies</c>, else
/// <c>+s</c>), after a short table of common custom resources (Istio, the Gateway API, the Prometheus
/// operator, cert-manager). Any other custom kind whose plural is irregular (the guess makes
/// <c>gatewaies</c> of Gateway) must have its CRD in the desired state, or its rules name a resource
/// that does not exist.
/// </summary>
internal static class KubeResourceNames
{
    private static readonly Dictionary<string, (string Plural, bool Namespaced)> BuiltIn = new(StringComparer.Ordinal)
    {
        ["core/ConfigMap"] = ("configmaps", true),
        ["core/Endpoints"] = ("endpoints", true),
        ["core/Event"] = ("events", true),
        ["core/LimitRange"] = ("limitranges", true),
        ["core/Namespace"] = ("namespaces", false),
        ["core/Node"] = ("nodes", false),
        ["core/PersistentVolume"] = ("persistentvolumes", false),
        ["core/PersistentVolumeClaim"] = ("persistentvolumeclaims", true),
        ["core/Pod"] = ("pods", true),
        ["core/PodTemplate"] = ("podtemplates", true),
        ["core/ReplicationController"] = ("replicationcontrollers", true),
        ["core/ResourceQuota"] = ("resourcequotas", true),
        ["core/Secret"] = ("secrets", true),
        ["core/Service"] = ("services", true),
        ["core/ServiceAccount"] = ("serviceaccounts", true),
        ["admissionregistration.k8s.io/MutatingWebhookConfiguration"] = ("mutatingwebhookconfigurations", false),
        ["admissionregistration.k8s.io/ValidatingWebhookConfiguration"] = ("validatingwebhookconfigurations", false),
        ["admissionregistration.k8s.io/ValidatingAdmissionPolicy"] = ("validatingadmissionpolicies", false),
        ["admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding"] = ("validatingadmissionpolicybindings", false),
        ["apiextensions.k8s.io/CustomResourceDefinition"] = ("customresourcedefinitions", false),
        ["apiregistration.k8s.io/APIService"] = ("apiservices", false),
        ["apps/ControllerRevision"] = ("controllerrevisions", true),
        ["apps/DaemonSet"] = ("daemonsets", true),
        ["apps/Deployment"] = ("deployments", true),
        ["apps/ReplicaSet"] = ("replicasets", true),
        ["apps/StatefulSet"] = ("statefulsets", true),
        ["autoscaling/HorizontalPodAutoscaler"] = ("horizontalpodautoscalers", true),
        ["batch/CronJob"] = ("cronjobs", true),
        ["batch/Job"] = ("jobs", true),
        ["certificates.k8s.io/CertificateSigningRequest"] = ("certificatesigningrequests", false),
        ["coordination.k8s.io/Lease"] = ("leases", true),
        ["discovery.k8s.io/EndpointSlice"] = ("endpointslices", true),
        ["events.k8s.io/Event"] = ("events", true),
        ["flowcontrol.apiserver.k8s.io/FlowSchema"] = ("flowschemas", false),
        ["flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration"] = ("prioritylevelconfigurations", false),
        ["networking.k8s.io/Ingress"] = ("ingresses", true),
        ["networking.k8s.io/IngressClass"] = ("ingressclasses", false),
        ["networking.k8s.io/NetworkPolicy"] = ("networkpolicies", true),
        ["node.k8s.io/RuntimeClass"] = ("runtimeclasses", false),
        ["policy/PodDisruptionBudget"] = ("poddisruptionbudgets", true),
        ["rbac.authorization.k8s.io/ClusterRole"] = ("clusterroles", false),
        ["rbac.authorization.k8s.io/ClusterRoleBinding"] = ("clusterrolebindings", false),
        ["rbac.authorization.k8s.io/Role"] = ("roles", true),
        ["rbac.authorization.k8s.io/RoleBinding"] = ("rolebindings", true),
        ["scheduling.k8s.io/PriorityClass"] = ("priorityclasses", false),
        ["storage.k8s.io/CSIDriver"] = ("csidrivers", false),
        ["storage.k8s.io/CSINode"] = ("csinodes", false),
        ["storage.k8s.io/StorageClass"] = ("storageclasses", false),
        ["storage.k8s.io/VolumeAttachment"] = ("volumeattachments", false),
    };

    // Custom resources common enough to name without their CRD in the desired state, with the
    // plurals their CRDs declare (Istio's and the Gateway API's Gateway is where the guess fails).
    // A CRD the desired state declares still wins.
    private static readonly Dictionary<string, (string Plural, bool Namespaced)> WellKnownCustom = new(StringComparer.Ordinal)
    {
        ["networking.istio.io/DestinationRule"] = ("destinationrules", true),
        ["networking.istio.io/EnvoyFilter"] = ("envoyfilters", true),
        ["networking.istio.io/Gateway"] = ("gateways", true),
        ["networking.istio.io/ServiceEntry"] = ("serviceentries", true),
        ["networking.istio.io/Sidecar"] = ("sidecars", true),
        ["networking.istio.io/VirtualService"] = ("virtualservices", true),
        ["networking.istio.io/WorkloadEntry"] = ("workloadentries", true),
        ["networking.istio.io/WorkloadGroup"] = ("workloadgroups", true),
        ["security.istio.io/AuthorizationPolicy"] = ("authorizationpolicies", true),
        ["security.istio.io/PeerAuthentication"] = ("peerauthentications", true),
        ["security.istio.io/RequestAuthentication"] = ("requestauthentications", true),
        ["telemetry.istio.io/Telemetry"] = ("telemetries", true),
        ["gateway.networking.k8s.io/Gateway"] = ("gateways", true),
        ["gateway.networking.k8s.io/GatewayClass"] = ("gatewayclasses", false),
        ["gateway.networking.k8s.io/GRPCRoute"] = ("grpcroutes", true),
        ["gateway.networking.k8s.io/HTTPRoute"] = ("httproutes", true),
        ["gateway.networking.k8s.io/ReferenceGrant"] = ("referencegrants", true),
        ["monitoring.coreos.com/PodMonitor"] = ("podmonitors", true),
        ["monitoring.coreos.com/PrometheusRule"] = ("prometheusrules", true),
        ["monitoring.coreos.com/ServiceMonitor"] = ("servicemonitors", true),
        ["cert-manager.io/Certificate"] = ("certificates", true),
        ["cert-manager.io/ClusterIssuer"] = ("clusterissuers", false),
        ["cert-manager.io/Issuer"] = ("issuers", true),
    };

    /// <summary>The resource of <paramref name="group"/>/<paramref name="kind"/> (<c>core</c> for the core group); <paramref name="namespaced"/> says its scope as the fabric reads it.</summary>
    public static KubeResourceName Resolve(string group, string kind, bool namespaced, IReadOnlyDictionary<string, string> declaredPlurals)
    {
        var apiGroup = group == ResourceKey.CoreGroup ? string.Empty : group;
        if (BuiltIn.TryGetValue(group + "/" + kind, out var known))
        {
            return new KubeResourceName(apiGroup, known.Plural, known.Namespaced);
        }

        if (declaredPlurals.TryGetValue(group + "/" + kind, out var plural))
        {
            return new KubeResourceName(apiGroup, plural, namespaced);
        }

        return WellKnownCustom.TryGetValue(group + "/" + kind, out var common)
            ? new KubeResourceName(apiGroup, common.Plural, common.Namespaced)
            : new KubeResourceName(apiGroup, Guess(kind), namespaced) { Guessed = true };
    }

    /// <summary>Kubernetes' own guess of a kind's plural (apimachinery's <c>UnsafeGuessKindToResource</c>).</summary>
    public static string Guess(string kind)
    {
        var singular = kind.ToLowerInvariant();
        return singular switch
        {
            "" => string.Empty,
            _ when singular.EndsWith("endpoints", StringComparison.Ordinal) => singular,
            _ when singular.EndsWith('s') => singular + "es",
            _ when singular.EndsWith('y') => singular[..^1] + "ies",
            _ => singular + "s",
        };
    }
}
