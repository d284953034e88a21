using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Remediation;

/// <summary>
/// One target's way of putting drift right (Kubernetes server-side apply, a proxy's admin API
/// through its grain, git adoption). A remediator is handed all it needs in the
/// <see cref="RemediationScope"/> and the service's <see cref="ResourceState"/>s: it never asks
/// the grains above it for inputs.
/// </summary>
internal interface IRemediator
{
    /// <summary>
    /// Whether the resources chosen for it are handed over in one call (an adoption is one commit
    /// for the set) rather than one at a time (a revert of one resource never waits on, or stops,
    /// another's).
    /// </summary>
    bool ActsOnTheSet { get; }

    /// <summary>Whether it puts <paramref name="input"/> right for the scope's action.</summary>
    bool CanActOn(ResourceState input, RemediationScope scope);

    /// <summary>Puts <paramref name="inputs"/> right (or, in a dry run, says what it would change): one result per resource.</summary>
    Task<Remediated> RemediateAsync(IReadOnlyList<ResourceState> inputs, RemediationScope scope);
}

/// <summary>
/// What one remediation read of its cluster before its first resource: the cluster's
/// configuration and proxies (read for a revert only; an adoption needs neither).
/// </summary>
internal sealed record RemediationScope(RemediationRequest Request, ClusterConfig? Config, IReadOnlyList<ProxyStatus> Proxies);

/// <summary>What a remediator did: one result per resource, and for an adoption the patch and the branch it made.</summary>
internal sealed record Remediated(IReadOnlyList<RemediationResult> Results)
{
    public string? Patch { get; init; }

    public string? Branch { get; init; }
}
