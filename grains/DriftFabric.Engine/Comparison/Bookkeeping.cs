using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Labels and annotations that appliers add to the objects they manage, to mark them as theirs
/// (drift semantics, Appendix B): never drift when desired leaves them out; when desired
/// declares one, it compares as any other field.
/// </summary>
internal static class Bookkeeping
{
    private static readonly string[] Prefixes =
    [
        "argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/", "meta.helm.sh/", "pulumi.com/", "field.cattle.io/",
    ];

    private static readonly string[] Labels = ["app.kubernetes.io/managed-by", "helm.sh/chart", "app.kubernetes.io/instance"];

    /// <summary>True for <paramref name="key"/> in the object's own <c>/metadata/labels</c> or <c>/metadata/annotations</c> (<paramref name="parent"/>).</summary>
    public static bool IsBookkeeping(IReadOnlyList<PathStep> parent, string key) =>
        parent.Count == 2 && parent[0] == PathStep.Field("metadata") && !parent[1].IsElement && parent[1].Name switch
        {
            "labels" => HasPrefix(key) || Array.IndexOf(Labels, key) >= 0,
            "annotations" => HasPrefix(key) || key == Ownership.AppliedConfiguration.Annotation,
            _ => false,
        };

    /// <summary>True for a path that names such a label or annotation, or something below one.</summary>
    public static bool IsBookkeeping(IReadOnlyList<PathStep> path) =>
        path.Count >= 3 && !path[2].IsElement && IsBookkeeping([path[0], path[1]], path[2].Name);

    private static bool HasPrefix(string key)
    {
        foreach (var prefix in Prefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
