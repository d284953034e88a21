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
/// <c>+s</c>). A custom kind whose plural is irregular (the guess makes <c>gatewaies</c> of
/// Gateway) must have its CRD in the desired state, or its rules name a resource that does not exist.
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

    /// <summary>The resource of <paramref name="group"/>/<paramref name="kind"/> (<c>core</c> for the core group); <paramref name="namespaced"/> says its scope as the fabric reads it.</summary>
    public static KubeResourceName Resolve(string group, string kind, bool namespaced, IReadOnlyDictionary<string, string> declaredPlurals)
    {
        var apiGroup = group == ResourceKey.CoreGroup ? string.Empty : group;
        if (BuiltIn.TryGetValue(group + "/" + kind, out var known))
        {
            return new KubeResourceName(apiGroup, known.Plural, known.Namespaced);
        }

        return declaredPlurals.TryGetValue(group + "/" + kind, out var plural)
            ? new KubeResourceName(apiGroup, plural, namespaced)
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
