using System.Text;
using DriftFabric.Engine.Defaults;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Tests.Defaults;

public class KubernetesDefaultsTests
{
    /// <summary>Every built-in kind the table covers (group/Kind), each with a root for its usual version.</summary>
    private static readonly string[] s_kinds =
    [
        "core/Pod", "core/PodTemplate", "core/ReplicationController", "core/Service", "core/Endpoints",
        "core/PersistentVolume", "core/PersistentVolumeClaim", "core/Namespace", "core/Secret", "core/ConfigMap",
        "core/LimitRange", "core/Node", "core/Event", "events.k8s.io/Event",
        "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet",
        "batch/Job", "batch/CronJob",
        "autoscaling/HorizontalPodAutoscaler",
        "networking.k8s.io/NetworkPolicy", "networking.k8s.io/Ingress", "networking.k8s.io/IngressClass",
        "rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
        "scheduling.k8s.io/PriorityClass",
        "discovery.k8s.io/EndpointSlice",
        "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
        "apiextensions.k8s.io/CustomResourceDefinition",
        "apiregistration.k8s.io/APIService",
        "resource.k8s.io/ResourceClaim", "resource.k8s.io/ResourceClaimTemplate", "resource.k8s.io/ResourceSlice",
    ];

    public static TheoryData<string> Kinds => new(s_kinds);

    [Fact]
    public void The_table_builds()
    {
        Assert.NotEmpty(KubernetesDefaults.Build());
    }

    [Fact]
    public void The_list_of_kinds_is_the_tables_kinds()
    {
        Assert.Equal(s_kinds.Order(StringComparer.Ordinal), ResourceSchemas.BuiltIn.BuiltInKinds.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_has_a_root(string groupKind)
    {
        Assert.NotNull(ResourceSchemas.BuiltIn.RootOf(Key(groupKind), apiVersion: null)?.Object);
    }

    [Theory]
    [InlineData("networking.k8s.io/Ingress", "networking.k8s.io/v1beta1")]
    [InlineData("extensions/Ingress", "extensions/v1beta1")]
    [InlineData("autoscaling/HorizontalPodAutoscaler", "autoscaling/v1")]
    [InlineData("admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1")]
    [InlineData("admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1")]
    public void Version_specific_kinds_have_their_own_root(string groupKind, string apiVersion)
    {
        var versioned = ResourceSchemas.BuiltIn.RootOf(Key(groupKind), apiVersion);
        Assert.NotNull(versioned?.Object);
        Assert.NotSame(ResourceSchemas.BuiltIn.RootOf(Key(groupKind), apiVersion: null), versioned);
    }

    /// <summary>(group/Kind, apiVersion, path, live value, the map holding it): values the server fills in.</summary>
    public static TheoryData<string, string, string, string, string?> Defaults => new()
    {
        // core: SetDefaults_PodSpec (templates too), SetDefaults_Pod and the Pod admission plugins (pods only)
        { "core/Pod", "v1", "/spec/dnsPolicy", "\"ClusterFirst\"", null },
        { "core/Pod", "v1", "/spec/securityContext", "{}", null },
        { "core/Pod", "v1", "/spec/enableServiceLinks", "true", null },
        { "core/Pod", "v1", "/spec/priority", "0", null },
        { "core/Pod", "v1", "/spec/serviceAccountName", "\"default\"", null },
        { "core/Pod", "v1", "/spec/serviceAccount", "\"builder\"", """{"serviceAccountName":"builder"}""" },
        { "core/Pod", "v1", "/spec/containers[name=web]/resources/requests", """{"cpu":"500m","memory":"1Gi"}""", """{"limits":{"cpu":"500m","memory":"1Gi"}}""" },
        { "core/Pod", "v1", "/spec/containers[name=web]/ports[containerPort=8080]/hostPort", "8080", """{"containerPort":8080}""" },
        { "core/Pod", "v1", "/spec/containers[name=web]/imagePullPolicy", "\"Always\"", """{"image":"nginx"}""" },
        { "core/Pod", "v1", "/spec/ephemeralContainers[name=debug]/terminationMessagePolicy", "\"File\"", null },
        { "core/PodTemplate", "v1", "/template/spec/restartPolicy", "\"Always\"", null },
        { "core/Pod", "v1", "/spec/hostNetwork", "false", null },
        { "core/Pod", "v1", "/spec/volumes[name=data]/emptyDir", "{}", null },
        { "core/Pod", "v1", "/spec/volumes[name=info]/downwardAPI/defaultMode", "420", null },
        { "core/Pod", "v1", "/spec/volumes[name=info]/downwardAPI/items[0]/fieldRef/apiVersion", "\"v1\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=token]/projected/sources[0]/serviceAccountToken/expirationSeconds", "3600", null },
        { "core/Pod", "v1", "/spec/volumes[name=token]/projected/defaultMode", "420", null },
        { "core/Pod", "v1", "/spec/volumes[name=host]/hostPath/type", "\"\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=block]/iscsi/iscsiInterface", "\"default\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=ceph]/rbd/keyring", "\"/etc/ceph/keyring\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=disk]/azureDisk/cachingMode", "\"ReadWrite\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=disk]/azureDisk/kind", "\"Shared\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=sio]/scaleIO/storageMode", "\"ThinProvisioned\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=claim]/persistentVolumeClaim/readOnly", "false", null },
        { "core/Pod", "v1", "/spec/volumes[name=scratch]/ephemeral/volumeClaimTemplate/spec/volumeMode", "\"Filesystem\"", null },
        { "core/Pod", "v1", "/spec/volumes[name=model]/image/pullPolicy", "\"IfNotPresent\"", """{"reference":"registry.example/model:v2"}""" },
        { "core/ReplicationController", "v1", "/spec/replicas", "1", null },
        { "core/ReplicationController", "v1", "/spec/minReadySeconds", "0", null },
        { "core/ReplicationController", "v1", "/spec/selector", """{"app":"web"}""", """{"template":{"metadata":{"labels":{"app":"web"}}}}""" },
        { "core/Service", "v1", "/spec/type", "\"ClusterIP\"", null },
        { "core/Service", "v1", "/spec/sessionAffinityConfig/clientIP/timeoutSeconds", "10800", null },
        { "core/Service", "v1", "/spec/ports[port=80]/targetPort", "80", """{"port":80}""" },
        { "core/Service", "v1", "/spec/ports[port=53,protocol=UDP]/protocol", "\"TCP\"", null },
        { "core/Service", "v1", "/spec/externalTrafficPolicy", "\"Cluster\"", """{"type":"NodePort"}""" },
        { "core/Service", "v1", "/spec/allocateLoadBalancerNodePorts", "true", """{"type":"LoadBalancer"}""" },
        { "core/Service", "v1", "/spec/internalTrafficPolicy", "\"Cluster\"", "{}" },
        { "core/Service", "v1", "/spec/ipFamilyPolicy", "\"SingleStack\"", """{"selector":{"app":"web"}}""" },
        { "core/Service", "v1", "/spec/ipFamilyPolicy", "\"RequireDualStack\"", """{"clusterIP":"None"}""" },
        { "core/Service", "v1", "/spec/clusterIP", "\"10.96.4.2\"", null },
        { "core/Service", "v1", "/spec/publishNotReadyAddresses", "false", null },
        { "core/Endpoints", "v1", "/subsets[0]/ports[0]/protocol", "\"TCP\"", null },
        { "core/PersistentVolume", "v1", "/spec/persistentVolumeReclaimPolicy", "\"Retain\"", null },
        { "core/PersistentVolume", "v1", "/spec/volumeMode", "\"Filesystem\"", null },
        { "core/PersistentVolume", "v1", "/spec/rbd/pool", "\"rbd\"", null },
        { "core/PersistentVolume", "v1", "/spec/csi/readOnly", "false", null },
        { "core/PersistentVolumeClaim", "v1", "/spec/volumeMode", "\"Filesystem\"", null },
        { "core/PersistentVolumeClaim", "v1", "/spec/storageClassName", "\"standard\"", null },
        { "core/PersistentVolumeClaim", "v1", "/status/phase", "\"Pending\"", null },
        { "core/Namespace", "v1", "/metadata/labels/kubernetes.io~1metadata.name", "\"web\"", null },
        { "core/Namespace", "v1", "/spec/finalizers", """["kubernetes"]""", null },
        { "core/Secret", "v1", "/type", "\"Opaque\"", null },
        { "core/LimitRange", "v1", "/spec/limits[0]/default", """{"cpu":"2"}""", """{"type":"Container","max":{"cpu":"2"}}""" },
        { "core/LimitRange", "v1", "/spec/limits[0]/defaultRequest", """{"cpu":"2","memory":"64Mi"}""", """{"type":"Container","default":{"cpu":"2"},"min":{"memory":"64Mi"}}""" },
        { "core/Node", "v1", "/spec/unschedulable", "false", null },
        { "core/Event", "v1", "/series/count", "0", null },
        { "events.k8s.io/Event", "events.k8s.io/v1", "/deprecatedCount", "0", null },

        // apps
        { "apps/Deployment", "apps/v1", "/spec/replicas", "1", null },
        { "apps/Deployment", "apps/v1", "/spec/paused", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/livenessProbe/periodSeconds", "10", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/livenessProbe/initialDelaySeconds", "0", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/readinessProbe/httpGet/path", "\"/\"", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/startupProbe/grpc/service", "\"\"", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/lifecycle/preStop/httpGet/scheme", "\"HTTP\"", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/env[name=NODE]/valueFrom/fieldRef/apiVersion", "\"v1\"", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/env[name=PORT]/valueFrom/fileKeyRef/optional", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/volumeMounts[mountPath=~1data]/readOnly", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/ports[containerPort=80]/protocol", "\"TCP\"", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/stdinOnce", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/initContainers[name=init]/imagePullPolicy", "\"IfNotPresent\"", """{"image":"busybox:1.36"}""" },
        { "apps/StatefulSet", "apps/v1", "/spec/updateStrategy/rollingUpdate/partition", "0", null },
        { "apps/StatefulSet", "apps/v1", "/spec/persistentVolumeClaimRetentionPolicy/whenScaled", "\"Retain\"", null },
        { "apps/StatefulSet", "apps/v1", "/spec/volumeClaimTemplates[0]/apiVersion", "\"v1\"", null },
        { "apps/StatefulSet", "apps/v1", "/spec/volumeClaimTemplates[0]/kind", "\"PersistentVolumeClaim\"", null },
        { "apps/StatefulSet", "apps/v1", "/spec/volumeClaimTemplates[0]/status/phase", "\"Pending\"", null },
        { "apps/StatefulSet", "apps/v1", "/spec/volumeClaimTemplates[0]/spec/volumeMode", "\"Filesystem\"", null },
        { "apps/DaemonSet", "apps/v1", "/metadata/annotations/deprecated.daemonset.template.generation", "\"3\"", null },
        { "apps/DaemonSet", "apps/v1", "/spec/updateStrategy/rollingUpdate/maxSurge", "0", null },
        { "apps/ReplicaSet", "apps/v1", "/spec/replicas", "1", null },
        { "apps/ReplicaSet", "apps/v1", "/spec/minReadySeconds", "0", null },

        // batch
        { "batch/Job", "batch/v1", "/spec/backoffLimit", "6", "{}" },
        { "batch/Job", "batch/v1", "/spec/backoffLimit", "2147483647", """{"backoffLimitPerIndex":1}""" },
        { "batch/Job", "batch/v1", "/spec/completions", "1", "{}" },
        { "batch/Job", "batch/v1", "/spec/podReplacementPolicy", "\"TerminatingOrFailed\"", "{}" },
        { "batch/Job", "batch/v1", "/spec/podReplacementPolicy", "\"Failed\"", """{"podFailurePolicy":{"rules":[]}}""" },
        { "batch/Job", "batch/v1", "/spec/manualSelector", "false", null },
        { "batch/Job", "batch/v1", "/spec/podFailurePolicy/rules[0]/onPodConditions[0]/status", "\"True\"", null },
        { "batch/Job", "batch/v1", "/spec/selector", """{"matchLabels":{"batch.kubernetes.io/controller-uid":"1f9c"}}""", null },
        { "batch/Job", "batch/v1", "/spec/template/metadata/labels/job-name", "\"web\"", null },
        { "batch/Job", "batch/v1", "/metadata/annotations/batch.kubernetes.io~1job-tracking", "\"\"", null },
        { "batch/CronJob", "batch/v1", "/spec/concurrencyPolicy", "\"Allow\"", null },
        { "batch/CronJob", "batch/v1", "/spec/jobTemplate/spec/template/spec/dnsPolicy", "\"ClusterFirst\"", null },
        { "batch/CronJob", "batch/v1", "/spec/jobTemplate/spec/podFailurePolicy/rules[0]/onPodConditions[0]/status", "\"True\"", null },

        // autoscaling
        { "autoscaling/HorizontalPodAutoscaler", "autoscaling/v2", "/spec/minReplicas", "1", null },
        { "autoscaling/HorizontalPodAutoscaler", "autoscaling/v2", "/spec/metrics", """[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""", null },
        { "autoscaling/HorizontalPodAutoscaler", "autoscaling/v2", "/spec/behavior/scaleUp/stabilizationWindowSeconds", "0", null },
        { "autoscaling/HorizontalPodAutoscaler", "autoscaling/v2", "/spec/behavior/scaleUp/policies", """[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]""", null },
        { "autoscaling/HorizontalPodAutoscaler", "autoscaling/v2", "/spec/behavior/scaleDown/selectPolicy", "\"Max\"", null },
        { "autoscaling/HorizontalPodAutoscaler", "autoscaling/v1", "/spec/targetCPUUtilizationPercentage", "80", null },

        // networking.k8s.io, extensions
        { "networking.k8s.io/NetworkPolicy", "networking.k8s.io/v1", "/spec/policyTypes", """["Ingress","Egress"]""", """{"egress":[{}]}""" },
        { "networking.k8s.io/NetworkPolicy", "networking.k8s.io/v1", "/spec/ingress[0]/ports[0]/protocol", "\"TCP\"", null },
        { "networking.k8s.io/IngressClass", "networking.k8s.io/v1", "/spec/parameters/scope", "\"Cluster\"", null },
        { "networking.k8s.io/Ingress", "networking.k8s.io/v1beta1", "/spec/rules[0]/http/paths[0]/pathType", "\"ImplementationSpecific\"", null },
        { "extensions/Ingress", "extensions/v1beta1", "/spec/rules[0]/http/paths[0]/pathType", "\"ImplementationSpecific\"", null },
        { "networking.k8s.io/Ingress", "networking.k8s.io/v1", "/spec/rules[0]/http/paths[0]/backend/service/port/number", "0", null },

        // rbac.authorization.k8s.io
        { "rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/v1", "/subjects[0]/apiGroup", "\"rbac.authorization.k8s.io\"", """{"kind":"Group","name":"devs"}""" },
        { "rbac.authorization.k8s.io/ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "/subjects[0]/apiGroup", "\"\"", """{"kind":"ServiceAccount","name":"ci"}""" },
        { "rbac.authorization.k8s.io/ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "/roleRef/apiGroup", "\"rbac.authorization.k8s.io\"", null },

        // storage.k8s.io
        { "storage.k8s.io/StorageClass", "storage.k8s.io/v1", "/reclaimPolicy", "\"Delete\"", null },
        { "storage.k8s.io/StorageClass", "storage.k8s.io/v1", "/volumeBindingMode", "\"Immediate\"", null },
        { "storage.k8s.io/CSIDriver", "storage.k8s.io/v1", "/spec/attachRequired", "true", null },
        { "storage.k8s.io/CSIDriver", "storage.k8s.io/v1", "/spec/volumeLifecycleModes", """["Persistent"]""", null },
        { "storage.k8s.io/CSIDriver", "storage.k8s.io/v1", "/spec/fsGroupPolicy", "\"ReadWriteOnceWithFSType\"", null },

        // admissionregistration.k8s.io: v1 and v1beta1 webhooks differ
        { "admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", "/webhooks[0]/timeoutSeconds", "10", null },
        { "admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1", "/webhooks[0]/timeoutSeconds", "30", null },
        { "admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1", "/webhooks[0]/failurePolicy", "\"Ignore\"", null },
        { "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1", "/webhooks[0]/admissionReviewVersions", """["v1beta1"]""", null },
        { "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1", "/webhooks[0]/reinvocationPolicy", "\"Never\"", null },
        { "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1", "/webhooks[0]/clientConfig/service/port", "443", null },
        { "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1", "/webhooks[0]/rules[0]/scope", "\"*\"", null },
        { "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1", "/spec/failurePolicy", "\"Fail\"", null },
        { "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1", "/spec/matchConstraints/matchPolicy", "\"Equivalent\"", null },
        { "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1", "/spec/matchConstraints/resourceRules[0]/scope", "\"*\"", null },
        { "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io/v1", "/spec/matchResources/objectSelector", "{}", null },
        { "admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/v1beta1", "/spec/failurePolicy", "\"Fail\"", null },

        // scheduling.k8s.io, discovery.k8s.io, flowcontrol.apiserver.k8s.io
        { "scheduling.k8s.io/PriorityClass", "scheduling.k8s.io/v1", "/preemptionPolicy", "\"PreemptLowerPriority\"", null },
        { "scheduling.k8s.io/PriorityClass", "scheduling.k8s.io/v1", "/globalDefault", "false", null },
        { "discovery.k8s.io/EndpointSlice", "discovery.k8s.io/v1", "/ports[0]/protocol", "\"TCP\"", null },
        { "discovery.k8s.io/EndpointSlice", "discovery.k8s.io/v1", "/ports[0]/name", "\"\"", null },
        { "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/v1", "/spec/matchingPrecedence", "1000", null },
        { "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1", "/spec/limited/nominalConcurrencyShares", "30", null },
        { "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1", "/spec/limited/limitResponse/queuing/queues", "64", null },

        // apiextensions.k8s.io, apiregistration.k8s.io
        { "apiextensions.k8s.io/CustomResourceDefinition", "apiextensions.k8s.io/v1", "/spec/names/singular", "\"crontab\"", """{"kind":"CronTab","plural":"crontabs"}""" },
        { "apiextensions.k8s.io/CustomResourceDefinition", "apiextensions.k8s.io/v1", "/spec/names/listKind", "\"CronTabList\"", """{"kind":"CronTab","plural":"crontabs"}""" },
        { "apiextensions.k8s.io/CustomResourceDefinition", "apiextensions.k8s.io/v1", "/spec/conversion", """{"strategy":"None"}""", null },
        { "apiextensions.k8s.io/CustomResourceDefinition", "apiextensions.k8s.io/v1", "/spec/conversion/webhook/clientConfig/service/port", "443", null },
        { "apiextensions.k8s.io/CustomResourceDefinition", "apiextensions.k8s.io/v1", "/spec/versions[0]/schema/openAPIV3Schema/properties/spec/properties/size/nullable", "false", null },
        { "apiregistration.k8s.io/APIService", "apiregistration.k8s.io/v1", "/spec/service/port", "443", null },

        // resource.k8s.io
        { "resource.k8s.io/ResourceClaim", "resource.k8s.io/v1", "/spec/devices/requests[0]/exactly/allocationMode", "\"ExactCount\"", null },
        { "resource.k8s.io/ResourceClaim", "resource.k8s.io/v1", "/spec/devices/requests[0]/exactly/count", "1", "{}" },
        { "resource.k8s.io/ResourceClaimTemplate", "resource.k8s.io/v1", "/spec/spec/devices/requests[0]/firstAvailable[0]/tolerations[0]/operator", "\"Equal\"", null },
    };

    [Theory]
    [MemberData(nameof(Defaults))]
    public void Server_defaults_are_known(string groupKind, string apiVersion, string path, string live, string? parent)
    {
        Assert.True(IsDefault(groupKind, apiVersion, path, live, parent));
    }

    /// <summary>Pointer fields without a default, values other than the default, and defaults out of their place.</summary>
    public static TheoryData<string, string, string, string, string?> NotDefaults => new()
    {
        // pointers without a default keep an explicit value
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/securityContext/allowPrivilegeEscalation", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/securityContext/readOnlyRootFilesystem", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/securityContext/runAsNonRoot", "true", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/automountServiceAccountToken", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/env[name=DB]/valueFrom/configMapKeyRef/optional", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/volumes[name=cfg]/configMap/optional", "false", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/volumes[name=csi]/csi/readOnly", "false", null },

        // values other than the default
        { "apps/Deployment", "apps/v1", "/spec/replicas", "3", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/imagePullPolicy", "\"Always\"", """{"image":"nginx:1.27"}""" },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/imagePullPolicy", "\"IfNotPresent\"", """{"image":"nginx:latest"}""" },
        { "core/Service", "v1", "/spec/ports[port=80]/targetPort", "8080", """{"port":80}""" },
        { "core/Service", "v1", "/spec/externalTrafficPolicy", "\"Cluster\"", """{"type":"ClusterIP"}""" },
        { "core/Service", "v1", "/spec/allocateLoadBalancerNodePorts", "true", """{"type":"NodePort"}""" },
        { "core/Service", "v1", "/spec/ipFamilyPolicy", "\"PreferDualStack\"", """{"selector":{"app":"web"}}""" },
        { "core/Service", "v1", "/spec/sessionAffinityConfig/clientIP/timeoutSeconds", "600", null },
        { "batch/Job", "batch/v1", "/spec/backoffLimit", "6", """{"backoffLimitPerIndex":1}""" },
        { "batch/Job", "batch/v1", "/spec/podReplacementPolicy", "\"TerminatingOrFailed\"", """{"podFailurePolicy":{"rules":[]}}""" },
        { "batch/Job", "batch/v1", "/spec/completions", "1", """{"parallelism":4}""" },
        { "networking.k8s.io/NetworkPolicy", "networking.k8s.io/v1", "/spec/policyTypes", """["Ingress"]""", """{"egress":[{}]}""" },
        { "rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/v1", "/subjects[0]/apiGroup", "\"rbac.authorization.k8s.io\"", """{"kind":"ServiceAccount","name":"ci"}""" },
        { "core/Namespace", "v1", "/metadata/labels/kubernetes.io~1metadata.name", "\"other\"", null },
        { "core/LimitRange", "v1", "/spec/limits[0]/default", """{"cpu":"2"}""", """{"type":"Pod","max":{"cpu":"2"}}""" },
        { "apiextensions.k8s.io/CustomResourceDefinition", "apiextensions.k8s.io/v1", "/spec/names/singular", "\"CronTab\"", """{"kind":"CronTab"}""" },
        { "resource.k8s.io/ResourceClaim", "resource.k8s.io/v1", "/spec/devices/requests[0]/exactly/count", "1", """{"allocationMode":"All"}""" },

        // defaults that hold in one place only
        { "apps/Deployment", "apps/v1", "/spec/template/spec/enableServiceLinks", "true", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/priority", "0", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/serviceAccountName", "\"default\"", null },
        { "apps/Deployment", "apps/v1", "/spec/template/spec/containers[name=web]/resources/requests", """{"cpu":"1"}""", """{"limits":{"cpu":"1"}}""" },
        { "batch/CronJob", "batch/v1", "/spec/jobTemplate/spec/backoffLimit", "6", "{}" },
        { "batch/CronJob", "batch/v1", "/spec/jobTemplate/spec/template/metadata/labels/job-name", "\"web\"", null },
        { "apps/StatefulSet", "apps/v1", "/spec/volumeClaimTemplates[0]/spec/volumeName", "\"pv-1\"", null },
        { "networking.k8s.io/Ingress", "networking.k8s.io/v1", "/spec/rules[0]/http/paths[0]/pathType", "\"ImplementationSpecific\"", null },
        { "admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", "/webhooks[0]/timeoutSeconds", "30", null },
        { "admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", "/webhooks[0]/sideEffects", "\"Unknown\"", null },
        { "admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1", "/webhooks[0]/timeoutSeconds", "10", null },
    };

    [Theory]
    [MemberData(nameof(NotDefaults))]
    public void Pointers_without_defaults_and_other_values_are_not_defaults(string groupKind, string apiVersion, string path, string live, string? parent)
    {
        Assert.False(IsDefault(groupKind, apiVersion, path, live, parent));
    }

    [Fact]
    public void Deployment_strategy_defaults_are_known()
    {
        var strategy = Root("apps/Deployment", "apps/v1")!.Object!.Field("spec")!.Field("strategy");
        var value = Json("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}""");
        Assert.True(ResourceSchemas.IsAllDefault(strategy, Key("apps/Deployment"), value, parent: null));
    }

    [Fact]
    public void A_declared_hpa_behavior_left_at_its_defaults_is_all_defaults()
    {
        var behavior = Root("autoscaling/HorizontalPodAutoscaler", "autoscaling/v2")!.Object!.Field("spec")!.Field("behavior");
        var value = Json("""
            {"scaleUp":{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]},
             "scaleDown":{"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}}
            """);
        Assert.True(ResourceSchemas.IsAllDefault(behavior, Key("autoscaling/HorizontalPodAutoscaler"), value, parent: null));
    }

    [Fact]
    public void Webhook_defaults_follow_the_version_the_object_is_written_in()
    {
        const string Kind = "admissionregistration.k8s.io/MutatingWebhookConfiguration";
        Assert.True(IsDefault(Kind, "admissionregistration.k8s.io/v1", "/webhooks[0]/failurePolicy", "\"Fail\"", null));
        Assert.False(IsDefault(Kind, "admissionregistration.k8s.io/v1", "/webhooks[0]/failurePolicy", "\"Ignore\"", null));
        Assert.True(IsDefault(Kind, "admissionregistration.k8s.io/v1beta1", "/webhooks[0]/failurePolicy", "\"Ignore\"", null));
        Assert.True(IsDefault(Kind, "admissionregistration.k8s.io/v1beta1", "/webhooks[0]/matchPolicy", "\"Exact\"", null));
    }

    [Fact]
    public void A_cronjob_pod_template_gets_pod_spec_defaults()
    {
        Assert.True(IsDefault("batch/CronJob", "batch/v1", "/spec/jobTemplate/spec/template/spec/dnsPolicy", "\"ClusterFirst\"", null));
        Assert.True(IsDefault("batch/CronJob", "batch/v1", "/spec/jobTemplate/spec/template/spec/containers[name=job]/terminationMessagePath", "\"/dev/termination-log\"", null));
    }

    private static bool IsDefault(string groupKind, string apiVersion, string path, string live, string? parent)
    {
        var steps = PathStep.Parse(path, out var error) ?? throw new FormatException(error);
        return ResourceSchemas.IsDefault(Root(groupKind, apiVersion), Key(groupKind), steps, Json(live), parent is null ? null : (MapNode)Json(parent));
    }

    private static SchemaField? Root(string groupKind, string apiVersion) => ResourceSchemas.BuiltIn.RootOf(Key(groupKind), apiVersion);

    private static ResourceKey Key(string groupKind)
    {
        var slash = groupKind.LastIndexOf('/');
        return new ResourceKey(groupKind[..slash], groupKind[(slash + 1)..], "shop", "web");
    }

    private static Node Json(string json) => JsonReader.ReadValues(Encoding.UTF8.GetBytes(json)).Single();
}
