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

/// <summary>What to do about a drift: tell people (the default), put live back to the code, or take live into the code (a branch for review).</summary>
public enum RemediationAction
{
    Notify,
    Revert,
    Adopt,
}

/// <summary>
/// A remediation policy: drifts of the selected tenant, namespace and kind, at least
/// <see cref="MinSeverity"/>, get <see cref="Action"/>. A policy action waits <see cref="Backoff"/>
/// after the last one on the same resource (doubling each time), and a resource acted on
/// <see cref="MaxReverts"/> times within <see cref="Window"/> is contested: another writer keeps
/// changing it, and it is left alone (and said so) so that two writers never fight.
/// </summary>
public sealed record RemediationRule(
    string? Tenant,
    ResourceSelector Selector,
    Severity MinSeverity,
    RemediationAction Action,
    int MaxReverts,
    TimeSpan Window,
    TimeSpan Backoff,
    SourceLocation? Location = null)
{
    public bool Matches(string tenant, ResourceKey resource, Severity severity) =>
        (Tenant is null || Glob.IsMatch(Tenant, tenant)) && Selector.Matches(resource) && severity >= MinSeverity;

    /// <summary>
    /// What the rule says now about a resource it acted on at <paramref name="acted"/> (oldest
    /// first; actions older than the window are forgotten from the list): act; wait the rest of
    /// the backoff, which doubles with each action in the window, so two writers never fight at
    /// full speed; or leave the resource alone as contested, once it was acted on
    /// <see cref="MaxReverts"/> times within the window.
    /// </summary>
    public SelfHealingStep Next(List<DateTimeOffset> acted, DateTimeOffset now)
    {
        acted.RemoveAll(t => now - t > Window);
        if (acted.Count >= MaxReverts)
        {
            return new(SelfHealingDecision.Contested, TimeSpan.Zero);
        }

        var wait = acted.Count == 0 ? TimeSpan.Zero : Backoff * Math.Pow(2, acted.Count - 1) - (now - acted[^1]);
        return wait > TimeSpan.Zero ? new(SelfHealingDecision.Wait, wait) : new(SelfHealingDecision.Act, TimeSpan.Zero);
    }
}

public enum SelfHealingDecision
{
    /// <summary>Revert or adopt now.</summary>
    Act,

    /// <summary>Not yet: the backoff since the last action has not passed.</summary>
    Wait,

    /// <summary>Acted on too often within the window: another writer keeps changing it; left alone.</summary>
    Contested,
}

/// <summary>A self-healing rule's verdict on one resource, and how long to wait when it is <see cref="SelfHealingDecision.Wait"/>.</summary>
public readonly record struct SelfHealingStep(SelfHealingDecision Decision, TimeSpan Wait);

/// <summary>
/// Everything that tunes the verdict for a fleet: ignore rules, extra appliers and controllers,
/// severity overrides and the namespace of desired objects that name none; and how the
/// installation digests Secret values, which is the installation's, never the fleet spec's.
/// </summary>
public sealed record DriftPolicy
{
    public static readonly DriftPolicy Default = new();

    /// <summary>
    /// How Secret values are sealed and shown: <see cref="SecretDigest.Sha256"/> unless the
    /// installation has a key (a running fabric always has; <c>check</c> with <c>--digest-key-file</c>).
    /// </summary>
    public SecretDigest SecretDigest { get; init; } = SecretDigest.Sha256;

    public string DefaultNamespace { get; init; } = "default";

    public ManagerClassifier Managers { get; init; } = ManagerClassifier.Default;

    public IReadOnlyList<IgnoreRule> Ignore { get; init; } = [];

    public IReadOnlyList<SeverityOverride> SeverityOverrides { get; init; } = [];

    /// <summary>Remediation policies, first match wins; a drift no rule selects is only notified.</summary>
    public IReadOnlyList<RemediationRule> Remediation { get; init; } = [];

    /// <summary>The first rule that selects a drift, or null (notify).</summary>
    public RemediationRule? RemediationFor(string tenant, ResourceKey resource, Severity severity)
    {
        for (var i = 0; i < Remediation.Count; i++)
        {
            if (Remediation[i].Matches(tenant, resource, severity))
            {
                return Remediation[i];
            }
        }

        return null;
    }

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

        var bundles = CertificateBundles.Of(key);
        if (bundles.Count > 0)
        {
            (paths ??= []).AddRange(bundles);
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
