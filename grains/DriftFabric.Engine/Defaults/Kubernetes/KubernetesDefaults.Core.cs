using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Core(SchemaBuilder b)
    {
        b.Kind("core/Pod", "Pod")
            .Kind("core/PodTemplate", "PodTemplate")
            .Kind("core/Service", "Service")
            .Kind("core/PersistentVolumeClaim", "PersistentVolumeClaim")
            .Kind("core/Namespace", "Namespace")
            .Kind("core/Secret", "Secret");

        b.Type("Pod").Object("metadata", "ObjectMeta").Object("spec", "PodSpec");
        b.Type("PodTemplate").Object("metadata", "ObjectMeta").Object("template", "PodTemplateSpec");
        b.Type("ObjectMeta");
        b.Type("PodTemplateSpec").Object("metadata", "ObjectMeta").Object("spec", "PodSpec");

        // pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec;
        // staging/src/k8s.io/api/core/v1/types.go: PodSpec (hostNetwork, hostPID, hostIPC: non-pointer, omitempty)
        b.Type("PodSpec")
            .Default("dnsPolicy", "ClusterFirst")
            .Default("restartPolicy", "Always")
            .Default("schedulerName", "default-scheduler")
            .Default("terminationGracePeriodSeconds", 30)
            .Default("enableServiceLinks", true)
            .Default("priority", 0)
            .Default("preemptionPolicy", "PreemptLowerPriority")
            .Rule("serviceAccount", "equal to serviceAccountName", c => c.Value is ScalarNode s && c.Parent?.GetString("serviceAccountName") == s.Text)
            .Zero("hostNetwork")
            .Zero("hostPID")
            .Zero("hostIPC")
            .List("containers", "Container")
            .List("initContainers", "Container")
            .List("ephemeralContainers", "Container")
            .List("volumes", "Volume");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Container, SetDefaults_ContainerPort
        b.Type("Container")
            .Default("terminationMessagePath", "/dev/termination-log")
            .Default("terminationMessagePolicy", "File")
            .Rule("imagePullPolicy", "Always for :latest or no tag, else IfNotPresent", c => c.Value is ScalarNode s && s.Text == DefaultPullPolicy(c.Parent?.GetString("image")))
            .Zero("stdin")
            .Zero("tty")
            .List("ports", "ContainerPort")
            .Object("livenessProbe", "Probe")
            .Object("readinessProbe", "Probe")
            .Object("startupProbe", "Probe");
        b.Type("ContainerPort").Default("protocol", "TCP");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Probe, SetDefaults_HTTPGetAction
        b.Type("Probe")
            .Default("failureThreshold", 3)
            .Default("periodSeconds", 10)
            .Default("successThreshold", 1)
            .Default("timeoutSeconds", 1)
            .Object("httpGet", "HTTPGetAction");
        b.Type("HTTPGetAction").Default("scheme", "HTTP");

        // pkg/apis/core/v1/defaults.go: SetDefaults_ConfigMapVolumeSource, SetDefaults_SecretVolumeSource, SetDefaults_ProjectedVolumeSource
        b.Type("Volume")
            .Object("configMap", "ConfigMapVolumeSource")
            .Object("secret", "SecretVolumeSource")
            .Object("projected", "ProjectedVolumeSource");
        b.Type("ConfigMapVolumeSource").Default("defaultMode", 420);
        b.Type("SecretVolumeSource").Default("defaultMode", 420);
        b.Type("ProjectedVolumeSource").Default("defaultMode", 420);

        // pkg/apis/core/v1/defaults.go: SetDefaults_Service; the allocators assign IPs and node ports
        b.Type("Service").Object("metadata", "ObjectMeta").Object("spec", "ServiceSpec");
        b.Type("ServiceSpec")
            .Default("type", "ClusterIP")
            .Default("sessionAffinity", "None")
            .Assigned("clusterIP")
            .Assigned("clusterIPs")
            .Assigned("ipFamilies")
            .Default("ipFamilyPolicy", "SingleStack")
            .Default("internalTrafficPolicy", "Cluster")
            .Default("externalTrafficPolicy", "Cluster")
            .Assigned("healthCheckNodePort")
            .Default("allocateLoadBalancerNodePorts", true)
            .List("ports", "ServicePort");
        b.Type("ServicePort")
            .Default("protocol", "TCP")
            .Rule("targetPort", "equal to port", c => c.Parent?["port"] is ScalarNode port && c.Value is ScalarNode target && port.ValueEquals(target))
            .Assigned("nodePort");

        // pkg/apis/core/v1/defaults.go: SetDefaults_PersistentVolumeClaimSpec; the binder sets volumeName
        b.Type("PersistentVolumeClaim").Object("metadata", "ObjectMeta").Object("spec", "PersistentVolumeClaimSpec");
        b.Type("PersistentVolumeClaimSpec")
            .Default("volumeMode", "Filesystem")
            .Assigned("volumeName");

        // pkg/apis/core/v1/defaults.go: SetDefaults_NamespaceSpec; the namespace's name label (pkg/registry/core/namespace/strategy.go)
        b.Type("Namespace").Object("metadata", "NamespaceMeta").Object("spec", "NamespaceSpec");
        b.Type("NamespaceMeta").Object("labels", "NamespaceLabels");
        b.Type("NamespaceLabels").Rule("kubernetes.io/metadata.name", "the namespace's name", c => c.Value is ScalarNode s && s.Text == c.Resource.Name, DefaultOrigin.ServerSet);
        b.Type("NamespaceSpec").DefaultJson("finalizers", """["kubernetes"]""");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Secret
        b.Type("Secret").Object("metadata", "ObjectMeta").Default("type", "Opaque");
    }

    /// <summary>The kubelet's rule: <c>Always</c> for <c>:latest</c> or untagged images, else <c>IfNotPresent</c>.</summary>
    private static string DefaultPullPolicy(string? image)
    {
        if (image is null || image.Contains('@', StringComparison.Ordinal))
        {
            return "IfNotPresent";
        }

        var lastSlash = image.LastIndexOf('/');
        var colon = image.IndexOf(':', lastSlash + 1);
        return colon < 0 || image[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }
}
