using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Values the API server fills in when a manifest leaves them out. A live field that desired
/// lacks and that holds its default is never drift, whoever wrote it: the API server attributes
/// defaults to whoever created the object, so an object created by <c>kubectl create</c> would
/// otherwise show every default as an out-of-band change.
/// </summary>
internal static class ServerDefaults
{
    private static readonly HashSet<string> ContainerLists = new(StringComparer.Ordinal) { "containers", "initContainers", "ephemeralContainers" };
    private static readonly HashSet<string> Probes = new(StringComparer.Ordinal) { "livenessProbe", "readinessProbe", "startupProbe" };

    /// <summary>Fields under a pod spec (a Pod's <c>/spec</c> or any <c>.../template/spec</c>).</summary>
    private static readonly Dictionary<string, Func<Node, MapNode?, bool>> PodSpec = new(StringComparer.Ordinal)
    {
        ["dnsPolicy"] = Is("ClusterFirst"),
        ["restartPolicy"] = Is("Always"),
        ["schedulerName"] = Is("default-scheduler"),
        ["terminationGracePeriodSeconds"] = Is(30),
        ["enableServiceLinks"] = Is(true),
        ["serviceAccount"] = (value, spec) => value is ScalarNode s && spec?.GetString("serviceAccountName") == s.Text,
        ["priority"] = Is(0),
        ["preemptionPolicy"] = Is("PreemptLowerPriority"),
    };

    /// <summary>Fields of a container.</summary>
    private static readonly Dictionary<string, Func<Node, MapNode?, bool>> Container = new(StringComparer.Ordinal)
    {
        ["terminationMessagePath"] = Is("/dev/termination-log"),
        ["terminationMessagePolicy"] = Is("File"),
        ["imagePullPolicy"] = (value, container) => value is ScalarNode s && s.Text == DefaultPullPolicy(container?.GetString("image")),
    };

    private static readonly Dictionary<string, Func<Node, MapNode?, bool>> Probe = new(StringComparer.Ordinal)
    {
        ["failureThreshold"] = Is(3),
        ["periodSeconds"] = Is(10),
        ["successThreshold"] = Is(1),
        ["timeoutSeconds"] = Is(1),
    };

    /// <summary>Whole-object fields, by kind, as paths from the root.</summary>
    private static readonly Dictionary<string, Dictionary<string, Func<Node, MapNode?, bool>>> ByKind = new(StringComparer.Ordinal)
    {
        ["apps/Deployment"] = new(StringComparer.Ordinal)
        {
            ["/spec/replicas"] = Is(1),
            ["/spec/progressDeadlineSeconds"] = Is(600),
            ["/spec/revisionHistoryLimit"] = Is(10),
            ["/spec/strategy/type"] = Is("RollingUpdate"),
            ["/spec/strategy/rollingUpdate/maxSurge"] = Is("25%"),
            ["/spec/strategy/rollingUpdate/maxUnavailable"] = Is("25%"),
        },
        ["apps/StatefulSet"] = new(StringComparer.Ordinal)
        {
            ["/spec/replicas"] = Is(1),
            ["/spec/revisionHistoryLimit"] = Is(10),
            ["/spec/podManagementPolicy"] = Is("OrderedReady"),
            ["/spec/updateStrategy/type"] = Is("RollingUpdate"),
            ["/spec/updateStrategy/rollingUpdate/partition"] = Is(0),
            ["/spec/persistentVolumeClaimRetentionPolicy/whenDeleted"] = Is("Retain"),
            ["/spec/persistentVolumeClaimRetentionPolicy/whenScaled"] = Is("Retain"),
        },
        ["apps/DaemonSet"] = new(StringComparer.Ordinal)
        {
            ["/spec/revisionHistoryLimit"] = Is(10),
            ["/spec/updateStrategy/type"] = Is("RollingUpdate"),
            ["/spec/updateStrategy/rollingUpdate/maxUnavailable"] = Is(1),
            ["/spec/updateStrategy/rollingUpdate/maxSurge"] = Is(0),
        },
        ["batch/Job"] = new(StringComparer.Ordinal)
        {
            ["/spec/selector"] = Any,
            ["/spec/manualSelector"] = Is(false),
            ["/spec/backoffLimit"] = Is(6),
            ["/spec/completions"] = Is(1),
            ["/spec/parallelism"] = Is(1),
            ["/spec/completionMode"] = Is("NonIndexed"),
            ["/spec/suspend"] = Is(false),
            ["/spec/podReplacementPolicy"] = Is("TerminatingOrFailed"),
        },
        ["batch/CronJob"] = new(StringComparer.Ordinal)
        {
            ["/spec/concurrencyPolicy"] = Is("Allow"),
            ["/spec/failedJobsHistoryLimit"] = Is(1),
            ["/spec/successfulJobsHistoryLimit"] = Is(3),
            ["/spec/suspend"] = Is(false),
        },
        ["core/Service"] = new(StringComparer.Ordinal)
        {
            ["/spec/type"] = Is("ClusterIP"),
            ["/spec/sessionAffinity"] = Is("None"),
            ["/spec/clusterIP"] = Any,
            ["/spec/clusterIPs"] = Any,
            ["/spec/ipFamilies"] = Any,
            ["/spec/ipFamilyPolicy"] = Is("SingleStack"),
            ["/spec/internalTrafficPolicy"] = Is("Cluster"),
            ["/spec/healthCheckNodePort"] = Any,
            ["/spec/allocateLoadBalancerNodePorts"] = Is(true),
        },
        ["core/Namespace"] = new(StringComparer.Ordinal)
        {
            ["/spec/finalizers"] = (value, _) => value is ListNode { Count: 1 } list && list[0] is ScalarNode { Text: "kubernetes" },
        },
        ["core/PersistentVolumeClaim"] = new(StringComparer.Ordinal)
        {
            ["/spec/volumeMode"] = Is("Filesystem"),
            ["/spec/volumeName"] = Any,
        },
    };

    /// <summary>True when <paramref name="value"/> at <paramref name="path"/> is what the server fills in.</summary>
    /// <param name="parent">The live map holding the field, for defaults that depend on a sibling.</param>
    public static bool IsDefault(ResourceKey resource, IReadOnlyList<PathStep> path, Node value, MapNode? parent)
    {
        if (path.Count == 0 || path[^1].IsElement)
        {
            return false;
        }

        var field = path[^1].Name;
        if (IsGeneratedLabel(resource, path, value))
        {
            return true;
        }

        if (ByKind.TryGetValue(resource.GroupKind, out var rules) && rules.TryGetValue(PathStep.Format(path), out var rule) && rule(value, parent))
        {
            return true;
        }

        if (resource is { GroupKind: "core/Service" } && IsServicePort(path))
        {
            return field switch
            {
                "protocol" => Is("TCP")(value, parent),
                "targetPort" => parent?["port"] is ScalarNode port && value is ScalarNode target && port.ValueEquals(target),
                "nodePort" => true,
                _ => false,
            };
        }

        var podSpec = PodSpecEnd(resource, path);
        if (podSpec < 0)
        {
            return false;
        }

        var depth = path.Count - podSpec;
        if (depth == 1)
        {
            return PodSpec.TryGetValue(field, out var podRule) && podRule(value, parent);
        }

        if (path[podSpec].IsElement || !ContainerLists.Contains(path[podSpec].Name) || !path[podSpec + 1].IsElement)
        {
            return IsVolumeDefault(path, podSpec, value);
        }

        // containers[x]/field, containers[x]/ports[p]/protocol, containers[x]/<probe>/field
        return depth switch
        {
            3 => Container.TryGetValue(field, out var containerRule) && containerRule(value, parent),
            4 when path[podSpec + 2].Name == "ports" && path[podSpec + 3].IsElement => false,
            5 when path[podSpec + 2].Name == "ports" && path[podSpec + 3].IsElement => field == "protocol" && Is("TCP")(value, parent),
            4 when Probes.Contains(path[podSpec + 2].Name) => Probe.TryGetValue(field, out var probeRule) && probeRule(value, parent),
            5 when Probes.Contains(path[podSpec + 2].Name) && path[podSpec + 3].Name == "httpGet" => field == "scheme" && Is("HTTP")(value, parent),
            _ => false,
        };
    }

    /// <summary>
    /// Labels the API server or a controller's admission stamps on: a namespace's own name, and
    /// the selector labels of a Job's pods.
    /// </summary>
    private static bool IsGeneratedLabel(ResourceKey resource, IReadOnlyList<PathStep> path, Node value)
    {
        if (path.Count < 3 || path[^2] != PathStep.Field("labels") || value is not ScalarNode label)
        {
            return false;
        }

        var name = path[^1].Name;
        if (resource.GroupKind == "core/Namespace" && path.Count == 3 && name == "kubernetes.io/metadata.name")
        {
            return label.Text == resource.Name;
        }

        return resource.GroupKind == "batch/Job" && path.Count == 5 && path[0] == PathStep.Field("spec") && path[1] == PathStep.Field("template")
            && name is "controller-uid" or "batch.kubernetes.io/controller-uid" or "job-name" or "batch.kubernetes.io/job-name";
    }

    /// <summary>Index just past the pod spec in <paramref name="path"/>, or -1 when the path is not inside one.</summary>
    private static int PodSpecEnd(ResourceKey resource, IReadOnlyList<PathStep> path)
    {
        if (resource.GroupKind == "core/Pod" && path.Count > 1 && path[0] == PathStep.Field("spec"))
        {
            return 1;
        }

        for (var i = path.Count - 2; i >= 1; i--)
        {
            if (path[i] == PathStep.Field("spec") && path[i - 1] == PathStep.Field("template"))
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary><c>volumes[x]/configMap/defaultMode</c> and <c>volumes[x]/secret/defaultMode</c> (0644).</summary>
    private static bool IsVolumeDefault(IReadOnlyList<PathStep> path, int podSpec, Node value) =>
        path.Count - podSpec == 4 && path[podSpec].Name == "volumes" && path[podSpec + 1].IsElement
        && path[podSpec + 2].Name is "configMap" or "secret" or "projected" && path[podSpec + 3].Name == "defaultMode"
        && Is(420)(value, null);

    private static bool IsServicePort(IReadOnlyList<PathStep> path) =>
        path.Count == 4 && path[0] == PathStep.Field("spec") && path[1] == PathStep.Field("ports") && path[2].IsElement;

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

    private static Func<Node, MapNode?, bool> Is(string expected) => (value, _) => value is ScalarNode { Kind: NodeKind.String } s && s.Text == expected;

    private static Func<Node, MapNode?, bool> Is(int expected) => (value, _) => value is ScalarNode { Kind: NodeKind.Number, Exact: { } n } && n == expected;

    private static Func<Node, MapNode?, bool> Is(bool expected) => (value, _) => value is ScalarNode { Kind: NodeKind.Bool } b && b.BoolValue == expected;

    private static bool Any(Node value, MapNode? parent) => true;
}
