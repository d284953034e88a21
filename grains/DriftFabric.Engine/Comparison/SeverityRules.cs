using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>The built-in severity rules of the drift semantics (first match wins).</summary>
public static class SeverityRules
{
    private static readonly HashSet<string> CriticalKinds = new(StringComparer.Ordinal)
    {
        "PeerAuthentication", "AuthorizationPolicy", "RequestAuthentication", "NetworkPolicy",
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Secret",
    };

    private static readonly HashSet<string> CriticalFields = new(StringComparer.Ordinal)
    {
        "securityContext", "hostNetwork", "hostPID", "hostIPC", "hostPath", "serviceAccountName", "privileged",
    };

    private static readonly HashSet<string> TrafficKinds = new(StringComparer.Ordinal)
    {
        "VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "Sidecar", "EnvoyFilter", "Ingress", "HTTPRoute",
    };

    private static readonly HashSet<string> ContainerFields = new(StringComparer.Ordinal) { "image", "command", "args", "ports" };

    public static Severity Classify(ResourceKey resource, DriftKind kind, IReadOnlyList<PathStep> path)
    {
        if (CriticalKinds.Contains(resource.Kind) || HasCriticalField(path))
        {
            return Severity.Critical;
        }

        if (IsHigh(resource, kind, path))
        {
            return Severity.High;
        }

        if (path.Count >= 2 && path[0] == PathStep.Field("metadata") && !path[1].IsElement && path[1].Name is "labels" or "annotations")
        {
            return Severity.Low;
        }

        return Severity.Medium;
    }

    private static bool HasCriticalField(IReadOnlyList<PathStep> path)
    {
        foreach (var step in path)
        {
            if (!step.IsElement && CriticalFields.Contains(step.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHigh(ResourceKey resource, DriftKind kind, IReadOnlyList<PathStep> path)
    {
        if (path.Count == 0)
        {
            return kind is DriftKind.Missing or DriftKind.Unmanaged;
        }

        if (kind is DriftKind.Added or DriftKind.Missing && IsWholeContainer(path))
        {
            return true;
        }

        for (var i = 1; i + 1 < path.Count; i++)
        {
            if (path[i].IsElement && IsContainerList(path[i - 1]) && !path[i + 1].IsElement && ContainerFields.Contains(path[i + 1].Name))
            {
                return true;
            }
        }

        if (resource.Kind == "Service" && resource.Group == ResourceKey.CoreGroup && path.Count >= 2 && path[0] == PathStep.Field("spec")
            && path[1] is { IsElement: false, Name: "ports" or "selector" or "type" })
        {
            return true;
        }

        return TrafficKinds.Contains(resource.Kind) && path[0] == PathStep.Field("spec");
    }

    /// <summary>A whole container element, or a whole list of them, added or missing.</summary>
    private static bool IsWholeContainer(IReadOnlyList<PathStep> path)
    {
        var last = path[^1];
        if (last.IsElement)
        {
            return path.Count >= 2 && path[^2] is { IsElement: false, Name: "containers" or "initContainers" };
        }

        return last.Name is "containers" or "initContainers";
    }

    private static bool IsContainerList(PathStep step) => step is { IsElement: false, Name: "containers" or "initContainers" or "ephemeralContainers" };
}
