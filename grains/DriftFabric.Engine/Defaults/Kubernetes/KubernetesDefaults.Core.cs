using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

// Type names are Go's. Where one Go type takes other defaults in one place than in another, the
// variant is named after the place: "PodSpec@Pod" is a PodSpec inside a Pod object (SetDefaults_Pod
// and the Pod admission plugins apply there, not to pod templates).
internal static partial class KubernetesDefaults
{
    private static void Core(SchemaBuilder b)
    {
        b.Kind("core/Pod", "Pod")
            .Kind("core/PodTemplate", "PodTemplate")
            .Kind("core/ReplicationController", "ReplicationController")
            .Kind("core/Service", "Service")
            .Kind("core/Endpoints", "Endpoints")
            .Kind("core/PersistentVolume", "PersistentVolume")
            .Kind("core/PersistentVolumeClaim", "PersistentVolumeClaim")
            .Kind("core/Namespace", "Namespace")
            .Kind("core/Secret", "Secret")
            .Kind("core/ConfigMap", "ConfigMap")
            .Kind("core/LimitRange", "LimitRange")
            .Kind("core/Node", "Node")
            .Kind("core/Event", "Event");

        b.Type("ObjectMeta");
        b.Type("PodTemplate").Object("metadata", "ObjectMeta").Object("template", "PodTemplateSpec");
        b.Type("PodTemplateSpec").Object("metadata", "ObjectMeta").Object("spec", "PodSpec");

        // pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec (every PodSpec, templates included);
        // pkg/apis/core/v1/conversion.go: serviceAccount is written as serviceAccountName;
        // staging/src/k8s.io/api/core/v1/types.go: PodSpec (hostNetwork, hostPID, hostIPC: bool, omitempty)
        PodSpecFields(b.Type("PodSpec"), "Container");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Pod (Pod objects only): enableServiceLinks, container
        // requests from limits, pod-level requests (PodLevelResources), hostPort = containerPort with hostNetwork;
        // plugin/pkg/admission/priority/admission.go: priority and preemptionPolicy from the PriorityClass;
        // plugin/pkg/admission/serviceaccount/admission.go: serviceAccountName "default"
        b.Type("Pod").Object("metadata", "ObjectMeta").Object("spec", "PodSpec@Pod");
        PodSpecFields(b.Type("PodSpec@Pod"), "Container@Pod")
            .Default("enableServiceLinks", true)
            .Assigned("priority")
            .Assigned("preemptionPolicy")
            .Rule("serviceAccountName", "\"default\" (ServiceAccount admission)", c => c.Value is ScalarNode { Text: "default" }, DefaultOrigin.ServerSet)
            .Object("resources", "ResourceRequirements@Pod");
        ContainerFields(b.Type("Container@Pod"), "ContainerPort@Pod").Object("resources", "ResourceRequirements@Pod");
        b.Type("ResourceRequirements@Pod")
            .Rule("requests", "each request equal to the limit of that resource (requests left out, limits set)", c => RequestsFromLimits(c.Value, c.Parent));
        b.Type("ContainerPort@Pod")
            .Default("protocol", "TCP")
            .Rule("hostPort", "0, or containerPort when the pod uses hostNetwork", c => c.Value is ScalarNode { Exact: 0 } || (c.Value is ScalarNode port && c.Parent?["containerPort"] is ScalarNode container && port.ValueEquals(container)));

        // pkg/apis/core/v1/defaults.go: SetDefaults_Container, SetDefaults_EphemeralContainer;
        // staging/src/k8s.io/api/core/v1/types.go: Container, EphemeralContainerCommon (stdin, stdinOnce, tty: bool, omitempty)
        ContainerFields(b.Type("Container"), "ContainerPort");
        ContainerFields(b.Type("EphemeralContainer"), "ContainerPort");

        // staging/src/k8s.io/api/core/v1/types.go: ContainerPort (protocol +default="TCP"; hostPort: int32, omitempty)
        b.Type("ContainerPort").Default("protocol", "TCP").Zero("hostPort", 0);

        // staging/src/k8s.io/api/core/v1/types.go: VolumeMount (readOnly: bool, omitempty)
        b.Type("VolumeMount").Zero("readOnly");

        // pkg/apis/core/v1/defaults.go: SetDefaults_ObjectFieldSelector;
        // staging/src/k8s.io/api/core/v1/types.go: FileKeySelector (optional +default=false, EnvFiles)
        b.Type("EnvVar").Object("valueFrom", "EnvVarSource");
        b.Type("EnvVarSource").Object("fieldRef", "ObjectFieldSelector").Object("fileKeyRef", "FileKeySelector");
        b.Type("ObjectFieldSelector").Default("apiVersion", "v1");
        b.Type("FileKeySelector").Default("optional", false);

        // pkg/apis/core/v1/defaults.go: SetDefaults_Probe, SetDefaults_HTTPGetAction;
        // staging/src/k8s.io/api/core/v1/types.go: Probe (initialDelaySeconds: int32, omitempty), GRPCAction (service +default="")
        b.Type("Probe")
            .Default("failureThreshold", 3)
            .Default("periodSeconds", 10)
            .Default("successThreshold", 1)
            .Default("timeoutSeconds", 1)
            .Zero("initialDelaySeconds", 0)
            .Object("httpGet", "HTTPGetAction")
            .Object("grpc", "GRPCAction");
        b.Type("HTTPGetAction").Default("path", "/").Default("scheme", "HTTP");
        b.Type("GRPCAction").Default("service", "");
        b.Type("Lifecycle").Object("postStart", "LifecycleHandler").Object("preStop", "LifecycleHandler");
        b.Type("LifecycleHandler").Object("httpGet", "HTTPGetAction");

        Volumes(b);

        // pkg/apis/core/v1/defaults.go: SetDefaults_ReplicationController (selector from the template's labels);
        // staging/src/k8s.io/api/core/v1/types.go: ReplicationControllerSpec (replicas +default=1, minReadySeconds +default=0)
        b.Type("ReplicationController").Object("metadata", "ObjectMeta").Object("spec", "ReplicationControllerSpec");
        b.Type("ReplicationControllerSpec")
            .Default("replicas", 1)
            .Zero("minReadySeconds", 0)
            .Rule("selector", "the template's labels", c => c.Value is MapNode { Count: > 0 } selector && c.Parent?.GetMap("template")?.GetMap("metadata")?.GetMap("labels") is { } labels && DefaultValue.Same(labels, selector))
            .Object("template", "PodTemplateSpec");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Service; staging/src/k8s.io/api/core/v1/types.go: ServiceSpec
        // (publishNotReadyAddresses: bool, omitempty), ServicePort (protocol +default="TCP");
        // pkg/registry/core/service/storage/alloc.go: cluster IPs, IP families and their policy, node ports
        b.Type("Service").Object("metadata", "ObjectMeta").Object("spec", "ServiceSpec");
        b.Type("ServiceSpec")
            .Default("type", "ClusterIP")
            .Default("sessionAffinity", "None")
            .Object("sessionAffinityConfig", "SessionAffinityConfig")
            .Assigned("clusterIP")
            .Assigned("clusterIPs")
            .Assigned("ipFamilies")
            .Rule("ipFamilyPolicy", "SingleStack; RequireDualStack for a headless service without selector", c => IsDefaultIpFamilyPolicy(c.Value, c.Parent), DefaultOrigin.ServerSet)
            .Rule("internalTrafficPolicy", "Cluster, unless type is ExternalName", c => c.Value is ScalarNode { Text: "Cluster" } && ServiceType(c.Parent) != "ExternalName")
            .Rule("externalTrafficPolicy", "Cluster for NodePort, LoadBalancer or external IPs", c => c.Value is ScalarNode { Text: "Cluster" } && IsExternallyAccessible(c.Parent))
            .Assigned("healthCheckNodePort")
            .Rule("allocateLoadBalancerNodePorts", "true for LoadBalancer", c => c.Value is ScalarNode { Kind: NodeKind.Bool, BoolValue: true } && ServiceType(c.Parent) == "LoadBalancer")
            .Zero("publishNotReadyAddresses")
            .List("ports", "ServicePort");
        b.Type("SessionAffinityConfig").Object("clientIP", "ClientIPConfig");
        b.Type("ClientIPConfig").Default("timeoutSeconds", 10800);
        b.Type("ServicePort")
            .Default("protocol", "TCP")
            .Rule("targetPort", "equal to port", c => c.Parent?["port"] is ScalarNode port && c.Value is ScalarNode target && port.ValueEquals(target))
            .Assigned("nodePort");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Endpoints
        b.Type("Endpoints").Object("metadata", "ObjectMeta").List("subsets", "EndpointSubset");
        b.Type("EndpointSubset").List("ports", "EndpointPort");
        b.Type("EndpointPort").Default("protocol", "TCP");

        // pkg/apis/core/v1/defaults.go: SetDefaults_PersistentVolume (status.phase, reclaim policy, volumeMode)
        b.Type("PersistentVolume").Object("metadata", "ObjectMeta").Object("spec", "PersistentVolumeSpec").Object("status", "PersistentVolumeStatus");
        PersistentVolumeSources(b.Type("PersistentVolumeSpec"))
            .Default("persistentVolumeReclaimPolicy", "Retain")
            .Default("volumeMode", "Filesystem");
        b.Type("PersistentVolumeStatus").Default("phase", "Pending");

        // pkg/apis/core/v1/defaults.go: SetDefaults_PersistentVolumeClaim, SetDefaults_PersistentVolumeClaimSpec;
        // the binder sets volumeName; plugin/pkg/admission/storage/storageclass/setdefault/admission.go: the default StorageClass (admission)
        b.Type("PersistentVolumeClaim").Object("metadata", "ObjectMeta").Object("spec", "PersistentVolumeClaimSpec@PersistentVolumeClaim").Object("status", "PersistentVolumeClaimStatus");
        b.Type("PersistentVolumeClaimSpec@PersistentVolumeClaim")
            .Default("volumeMode", "Filesystem")
            .Assigned("volumeName")
            .Assigned("storageClassName");
        b.Type("PersistentVolumeClaimSpec").Default("volumeMode", "Filesystem");
        b.Type("PersistentVolumeClaimStatus").Default("phase", "Pending");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Namespace (the name label), SetDefaults_NamespaceStatus;
        // pkg/registry/core/namespace/strategy.go: PrepareForCreate (the "kubernetes" finalizer)
        b.Type("Namespace").Object("metadata", "NamespaceMeta").Object("spec", "NamespaceSpec").Object("status", "NamespaceStatus");
        b.Type("NamespaceMeta").Object("labels", "NamespaceLabels");
        b.Type("NamespaceLabels").Rule("kubernetes.io/metadata.name", "the namespace's name", c => c.Value is ScalarNode s && s.Text == c.Resource.Name);
        b.Type("NamespaceSpec").DefaultJson("finalizers", """["kubernetes"]""", DefaultOrigin.ServerSet);
        b.Type("NamespaceStatus").Default("phase", "Active");

        // pkg/apis/core/v1/defaults.go: SetDefaults_Secret, SetDefaults_ConfigMap
        b.Type("Secret").Object("metadata", "ObjectMeta").Default("type", "Opaque");
        b.Type("ConfigMap").Object("metadata", "ObjectMeta").DefaultJson("data", "{}");

        // pkg/apis/core/v1/defaults.go: SetDefaults_LimitRangeItem (container limits: default from max,
        // defaultRequest from default, else from min)
        b.Type("LimitRange").Object("metadata", "ObjectMeta").Object("spec", "LimitRangeSpec");
        b.Type("LimitRangeSpec").List("limits", "LimitRangeItem");
        b.Type("LimitRangeItem")
            .Rule("default", "for type Container, each limit equal to max", c => IsContainerLimitDefault(c.Value, c.Parent, "max", null))
            .Rule("defaultRequest", "for type Container, each request equal to default, else to min", c => IsContainerLimitDefault(c.Value, c.Parent, "default", "min"));

        // staging/src/k8s.io/api/core/v1/types.go: NodeSpec (unschedulable: bool, omitempty)
        b.Type("Node").Object("metadata", "ObjectMeta").Object("spec", "NodeSpec");
        b.Type("NodeSpec").Zero("unschedulable");

        // staging/src/k8s.io/api/core/v1/types.go: Event, EventSeries (count: int32, omitempty)
        b.Type("Event").Object("metadata", "ObjectMeta").Zero("count", 0).Object("series", "EventSeries");
        b.Type("EventSeries").Zero("count", 0);
    }

    /// <summary>The fields every PodSpec has, templates included.</summary>
    private static TypeBuilder PodSpecFields(TypeBuilder spec, string container) =>
        spec.Default("dnsPolicy", "ClusterFirst")
            .Default("restartPolicy", "Always")
            .Default("schedulerName", "default-scheduler")
            .Default("terminationGracePeriodSeconds", 30)
            .DefaultJson("securityContext", "{}")
            .Rule("serviceAccount", "equal to serviceAccountName", c => c.Value is ScalarNode s && c.Parent?.GetString("serviceAccountName") == s.Text)
            .Zero("hostNetwork")
            .Zero("hostPID")
            .Zero("hostIPC")
            .List("containers", container)
            .List("initContainers", container)
            .List("ephemeralContainers", "EphemeralContainer")
            .List("volumes", "Volume");

    private static TypeBuilder ContainerFields(TypeBuilder container, string port) =>
        container.Default("terminationMessagePath", "/dev/termination-log")
            .Default("terminationMessagePolicy", "File")
            .Rule("imagePullPolicy", "Always for :latest or no tag, else IfNotPresent", c => c.Value is ScalarNode s && s.Text == DefaultPullPolicy(c.Parent?.GetString("image")))
            .Zero("stdin")
            .Zero("stdinOnce")
            .Zero("tty")
            .List("ports", port)
            .List("env", "EnvVar")
            .List("volumeMounts", "VolumeMount")
            .Object("livenessProbe", "Probe")
            .Object("readinessProbe", "Probe")
            .Object("startupProbe", "Probe")
            .Object("lifecycle", "Lifecycle");

    private static void Volumes(SchemaBuilder b)
    {
        // pkg/apis/core/v1/defaults.go: SetDefaults_Volume (emptyDir when no source; image pullPolicy, ImageVolume),
        // SetDefaults_SecretVolumeSource, SetDefaults_ConfigMapVolumeSource, SetDefaults_DownwardAPIVolumeSource,
        // SetDefaults_ProjectedVolumeSource, SetDefaults_ServiceAccountTokenProjection, SetDefaults_HostPathVolumeSource
        b.Type("Volume")
            .DefaultJson("emptyDir", "{}")
            .Object("hostPath", "HostPathVolumeSource")
            .Object("secret", "SecretVolumeSource")
            .Object("configMap", "ConfigMapVolumeSource")
            .Object("downwardAPI", "DownwardAPIVolumeSource")
            .Object("projected", "ProjectedVolumeSource")
            .Object("image", "ImageVolumeSource")
            .Object("ephemeral", "EphemeralVolumeSource")
            .Object("iscsi", "ISCSIVolumeSource")
            .Object("rbd", "RBDVolumeSource")
            .Object("azureDisk", "AzureDiskVolumeSource")
            .Object("scaleIO", "ScaleIOVolumeSource")
            .Object("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource")
            .Object("glusterfs", "GlusterfsVolumeSource")
            .Object("cinder", "CinderVolumeSource")
            .Object("cephfs", "CephFSVolumeSource")
            .Object("flexVolume", "FlexVolumeSource")
            .Object("azureFile", "AzureFileVolumeSource")
            .Object("storageos", "StorageOSVolumeSource");
        SharedVolumeSources(b.Type("Volume"));
        b.Type("HostPathVolumeSource").Default("type", "");
        b.Type("SecretVolumeSource").Default("defaultMode", 420);
        b.Type("ConfigMapVolumeSource").Default("defaultMode", 420);
        b.Type("DownwardAPIVolumeSource").Default("defaultMode", 420).List("items", "DownwardAPIVolumeFile");
        b.Type("DownwardAPIVolumeFile").Object("fieldRef", "ObjectFieldSelector");
        b.Type("ProjectedVolumeSource").Default("defaultMode", 420).List("sources", "VolumeProjection");
        b.Type("VolumeProjection").Object("downwardAPI", "DownwardAPIProjection").Object("serviceAccountToken", "ServiceAccountTokenProjection");
        b.Type("DownwardAPIProjection").List("items", "DownwardAPIVolumeFile");
        b.Type("ServiceAccountTokenProjection").Default("expirationSeconds", 3600);
        b.Type("ImageVolumeSource")
            .Rule("pullPolicy", "Always for :latest or no tag, else IfNotPresent", c => c.Value is ScalarNode s && s.Text == DefaultPullPolicy(c.Parent?.GetString("reference")));
        b.Type("EphemeralVolumeSource").Object("volumeClaimTemplate", "PersistentVolumeClaimTemplate");
        b.Type("PersistentVolumeClaimTemplate").Object("metadata", "ObjectMeta").Object("spec", "PersistentVolumeClaimSpec");

        // staging/src/k8s.io/api/core/v1/types.go: the declarative defaults (+default=) of ISCSIVolumeSource,
        // RBDVolumeSource, AzureDiskVolumeSource, ScaleIOVolumeSource and their PersistentVolume twins, and the
        // non-pointer omitempty bools and ints (readOnly, partition, chapAuthDiscovery, chapAuthSession, sslEnabled)
        b.Type("ISCSIVolumeSource").Default("iscsiInterface", "default").Zero("readOnly").Zero("chapAuthDiscovery").Zero("chapAuthSession");
        b.Type("ISCSIPersistentVolumeSource").Default("iscsiInterface", "default").Zero("readOnly").Zero("chapAuthDiscovery").Zero("chapAuthSession");
        b.Type("RBDVolumeSource").Default("pool", "rbd").Default("user", "admin").Default("keyring", "/etc/ceph/keyring").Zero("readOnly");
        b.Type("RBDPersistentVolumeSource").Default("pool", "rbd").Default("user", "admin").Default("keyring", "/etc/ceph/keyring").Zero("readOnly");
        b.Type("AzureDiskVolumeSource").Default("cachingMode", "ReadWrite").Default("fsType", "ext4").Default("readOnly", false).Default("kind", "Shared");
        b.Type("ScaleIOVolumeSource").Default("storageMode", "ThinProvisioned").Default("fsType", "xfs").Zero("sslEnabled").Zero("readOnly");
        b.Type("ScaleIOPersistentVolumeSource").Default("storageMode", "ThinProvisioned").Default("fsType", "xfs").Zero("sslEnabled").Zero("readOnly");
        b.Type("PersistentVolumeClaimVolumeSource").Zero("readOnly");
        b.Type("GlusterfsVolumeSource").Zero("readOnly");
        b.Type("GlusterfsPersistentVolumeSource").Zero("readOnly");
        b.Type("CinderVolumeSource").Zero("readOnly");
        b.Type("CinderPersistentVolumeSource").Zero("readOnly");
        b.Type("CephFSVolumeSource").Zero("readOnly");
        b.Type("CephFSPersistentVolumeSource").Zero("readOnly");
        b.Type("GCEPersistentDiskVolumeSource").Zero("partition", 0).Zero("readOnly");
        b.Type("AWSElasticBlockStoreVolumeSource").Zero("partition", 0).Zero("readOnly");
        b.Type("QuobyteVolumeSource").Zero("readOnly");
        b.Type("FlexVolumeSource").Zero("readOnly");
        b.Type("FlexPersistentVolumeSource").Zero("readOnly");
        b.Type("NFSVolumeSource").Zero("readOnly");
        b.Type("FCVolumeSource").Zero("readOnly");
        b.Type("AzureFileVolumeSource").Zero("readOnly");
        b.Type("AzureFilePersistentVolumeSource").Zero("readOnly");
        b.Type("PortworxVolumeSource").Zero("readOnly");
        b.Type("StorageOSVolumeSource").Zero("readOnly");
        b.Type("StorageOSPersistentVolumeSource").Zero("readOnly");
        b.Type("CSIPersistentVolumeSource").Zero("readOnly");
    }

    /// <summary>The sources a pod volume and a PersistentVolume share, by the same Go types.</summary>
    private static TypeBuilder SharedVolumeSources(TypeBuilder source) =>
        source.Object("gcePersistentDisk", "GCEPersistentDiskVolumeSource")
            .Object("awsElasticBlockStore", "AWSElasticBlockStoreVolumeSource")
            .Object("nfs", "NFSVolumeSource")
            .Object("fc", "FCVolumeSource")
            .Object("quobyte", "QuobyteVolumeSource")
            .Object("portworxVolume", "PortworxVolumeSource");

    /// <summary>A PersistentVolumeSpec's inline PersistentVolumeSource.</summary>
    private static TypeBuilder PersistentVolumeSources(TypeBuilder spec) =>
        SharedVolumeSources(spec)
            .Object("hostPath", "HostPathVolumeSource")
            .Object("azureDisk", "AzureDiskVolumeSource")
            .Object("iscsi", "ISCSIPersistentVolumeSource")
            .Object("rbd", "RBDPersistentVolumeSource")
            .Object("scaleIO", "ScaleIOPersistentVolumeSource")
            .Object("glusterfs", "GlusterfsPersistentVolumeSource")
            .Object("cinder", "CinderPersistentVolumeSource")
            .Object("cephfs", "CephFSPersistentVolumeSource")
            .Object("flexVolume", "FlexPersistentVolumeSource")
            .Object("azureFile", "AzureFilePersistentVolumeSource")
            .Object("storageos", "StorageOSPersistentVolumeSource")
            .Object("csi", "CSIPersistentVolumeSource");

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

    /// <summary>Requests copied from limits: every request names a limited resource and holds its limit.</summary>
    private static bool RequestsFromLimits(Node value, MapNode? resources) =>
        value is MapNode { Count: > 0 } requests
        && resources?.GetMap("limits") is { } limits
        && requests.Entries.All(e => limits[e.Key] is { } limit && DefaultValue.Same(limit, e.Value));

    /// <summary>
    /// A LimitRangeItem's defaulted map for type Container: every entry equal to <paramref name="from"/>'s
    /// entry of that resource, or when <paramref name="from"/> lacks it, to <paramref name="orElse"/>'s.
    /// </summary>
    private static bool IsContainerLimitDefault(Node value, MapNode? item, string from, string? orElse)
    {
        if (value is not MapNode { Count: > 0 } map || item?.GetString("type") != "Container")
        {
            return false;
        }

        var first = item.GetMap(from);
        var second = orElse is null ? null : item.GetMap(orElse);
        return map.Entries.All(e => (first?[e.Key] ?? second?[e.Key]) is { } source && DefaultValue.Same(source, e.Value));
    }

    private static string ServiceType(MapNode? spec) => spec?.GetString("type") ?? "ClusterIP";

    /// <summary>pkg/api/v1/service: ExternallyAccessible (NodePort, LoadBalancer, or ClusterIP with external IPs).</summary>
    private static bool IsExternallyAccessible(MapNode? spec) =>
        ServiceType(spec) is "NodePort" or "LoadBalancer" || (ServiceType(spec) == "ClusterIP" && spec?["externalIPs"] is ListNode { Count: > 0 });

    private static bool IsDefaultIpFamilyPolicy(Node value, MapNode? spec)
    {
        if (value is not ScalarNode { Kind: NodeKind.String } policy || ServiceType(spec) == "ExternalName")
        {
            return false;
        }

        var headlessWithoutSelector = spec?.GetString("clusterIP") == "None" && spec["selector"] is not MapNode { Count: > 0 };
        return policy.Text == (headlessWithoutSelector ? "RequireDualStack" : "SingleStack");
    }
}
