using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Grains.Remediation;

/// <summary>
/// The remediator of the cluster's proxies: a revert through the proxy's own grain, which holds
/// its admin client and judges it again first (Caddy's config API, HAProxy's runtime API; an
/// Envoy sidecar is left to its control plane, and the grain says so).
/// </summary>
internal sealed class ProxyRemediator(IGrainFactory grains) : IRemediator
{
    public bool ActsOnTheSet => false;

    /// <summary>A revert of a proxy the cluster has (another resource, or a proxy it does not know, is not a proxy's to put right).</summary>
    public bool CanActOn(ResourceState input, RemediationScope scope) =>
        scope.Request.Action == RemediationRequest.Revert
        && scope.Config is not null
        && ResourceKey.TryParse(input.Resource, out var key)
        && key.IsProxy
        && scope.Proxies.Any(p => p.Name == key.Name);

    public async Task<Remediated> RemediateAsync(IReadOnlyList<ResourceState> inputs, RemediationScope scope)
    {
        var config = scope.Config ?? throw new InvalidOperationException("a proxy is reverted only in a cluster whose configuration was read");
        var results = new List<RemediationResult>(inputs.Count);
        foreach (var input in inputs)
        {
            _ = ResourceKey.TryParse(input.Resource, out var key); // it parses: chosen by CanActOn
            results.Add(await grains.GetGrain<IProxyGrain>(ProxyKeys.Of(config.Tenant, config.Cluster, key.Name)).Revert(scope.Request.DryRun));
        }

        return new Remediated(results);
    }
}
