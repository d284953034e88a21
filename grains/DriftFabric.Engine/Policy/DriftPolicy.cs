using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Policy;

/// <summary>
/// Picks resources by kind (<c>Kind</c> or <c>group/Kind</c>), namespace and resource key;
/// each part may use <c>*</c>, and an unset part matches everything.
/// </summary>
public sealed record ResourceSelector(string? Kind = null, string? Namespace = null, string? Resource = null)
{
    public static readonly ResourceSelector All = new();

    public bool Matches(ResourceKey key)
    {
        if (Kind is not null && !Glob.IsMatch(Kind, Kind.Contains('/', StringComparison.Ordinal) ? key.GroupKind : key.Kind))
        {
            return false;
        }

        if (Namespace is not null && !Glob.IsMatch(Namespace, key.Namespace))
        {
            return false;
        }

        return Resource is null || Glob.IsMatch(Resource, key.ToString());
    }
}

/// <summary>A path (or a whole resource, when the path is empty) that is never drift.</summary>
public sealed record IgnoreRule(ResourceSelector Selector, PathPattern Path, string? Reason = null, SourceLocation? Location = null);

/// <summary>A severity that replaces the built-in rules for matching drifts.</summary>
public sealed record SeverityOverride(ResourceSelector Selector, PathPattern? Path, DriftKind? Kind, Severity Severity, SourceLocation? Location = null)
{
    public bool Matches(ResourceKey resource, DriftKind kind, IReadOnlyList<PathStep> path) =>
        Selector.Matches(resource) && (Kind is null || Kind == kind) && (Path is null || Path.Covers(path));
}

/// <summary>
/// Everything that tunes the verdict for a fleet: ignore rules, extra appliers and controllers,
/// severity overrides and the namespace of desired objects that name none.
/// </summary>
public sealed class DriftPolicy
{
    public static readonly DriftPolicy Default = new();

    public string DefaultNamespace { get; init; } = "default";

    public ManagerClassifier Managers { get; init; } = ManagerClassifier.Default;

    public IReadOnlyList<IgnoreRule> Ignore { get; init; } = [];

    public IReadOnlyList<SeverityOverride> SeverityOverrides { get; init; } = [];

    /// <summary>True when an ignore rule without a path drops the whole resource.</summary>
    public bool IgnoresResource(ResourceKey key)
    {
        // Indexed loops: asked on every comparison, where an enumerator would be an allocation.
        for (var i = 0; i < Ignore.Count; i++)
        {
            var rule = Ignore[i];
            if (rule.Path.IsRoot && rule.Selector.Matches(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The path patterns ignored inside one resource.</summary>
    public IReadOnlyList<PathPattern> IgnoredPaths(ResourceKey key)
    {
        List<PathPattern>? paths = null;
        for (var i = 0; i < Ignore.Count; i++)
        {
            var rule = Ignore[i];
            if (!rule.Path.IsRoot && rule.Selector.Matches(key))
            {
                (paths ??= []).Add(rule.Path);
            }
        }

        return paths ?? (IReadOnlyList<PathPattern>)[];
    }

    public Severity SeverityOf(ResourceKey resource, DriftKind kind, IReadOnlyList<PathStep> path)
    {
        for (var i = 0; i < SeverityOverrides.Count; i++)
        {
            if (SeverityOverrides[i].Matches(resource, kind, path))
            {
                return SeverityOverrides[i].Severity;
            }
        }

        return SeverityRules.Classify(resource, kind, path);
    }
}
