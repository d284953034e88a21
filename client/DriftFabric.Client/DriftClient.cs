using System.Runtime.CompilerServices;
using DriftFabric.Abstractions;

namespace DriftFabric.Client;

/// <summary><see cref="IDriftClient"/> over an Orleans client (or any grain factory) of the fabric.</summary>
public sealed class DriftClient(IGrainFactory grains) : IDriftClient
{
    public async Task<FleetSummary> GetFleetAsync(CancellationToken cancellationToken = default)
    {
        var names = await grains.GetGrain<IFleetGrain>(FabricDefaults.FleetKey).GetTenants().WaitAsync(cancellationToken);
        var tenants = await Task.WhenAll(names.Select(t => grains.GetGrain<ITenantGrain>(t).GetSummary())).WaitAsync(cancellationToken);
        return new FleetSummary(tenants.Aggregate(DriftSummary.Empty, (total, t) => total + t.Summary), tenants);
    }

    public async Task<TenantSummary> GetTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await RequireTenantAsync(tenant, cancellationToken);
        return await grains.GetGrain<ITenantGrain>(tenant).GetSummary().WaitAsync(cancellationToken);
    }

    public async Task<ClusterDetail> GetClusterAsync(string tenant, string cluster, CancellationToken cancellationToken = default)
    {
        var summary = await RequireClusterAsync(tenant, cluster, cancellationToken);
        var grain = grains.GetGrain<IClusterGrain>(ClusterKeys.Of(tenant, cluster));
        var services = await grain.GetServices().WaitAsync(cancellationToken);
        var proxies = await grain.GetProxies().WaitAsync(cancellationToken);
        return new ClusterDetail(tenant, summary, services, proxies);
    }

    public async Task<RemediationReport> RemediateAsync(RemediationRequest request, CancellationToken cancellationToken = default)
    {
        await RequireServiceAsync(request.Service, cancellationToken);
        if (request.Resource is { } resource && await grains.GetGrain<IServiceGrain>(request.Service.Key).GetResourceDrifts(resource).WaitAsync(cancellationToken) is null)
        {
            throw new DriftFabricNotFoundException($"service {request.Service} has no resource {resource}");
        }

        return await grains.GetGrain<IRemediationGrain>(ClusterKeys.Of(request.Service.Tenant, request.Service.Cluster)).Remediate(request).WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RemediationReport>> RemediateClusterAsync(string tenant, string cluster, string action, bool dryRun, string actor, bool deleteUnmanaged = false, CancellationToken cancellationToken = default)
    {
        await RequireClusterAsync(tenant, cluster, cancellationToken);
        var grain = grains.GetGrain<IClusterGrain>(ClusterKeys.Of(tenant, cluster));
        var remediation = grains.GetGrain<IRemediationGrain>(ClusterKeys.Of(tenant, cluster));
        var reports = new List<RemediationReport>();
        foreach (var service in (await grain.GetServices().WaitAsync(cancellationToken)).Where(s => s.Summary.Drifts > 0))
        {
            var request = new RemediationRequest(service.Service, null, action, dryRun, actor) { DeleteUnmanaged = deleteUnmanaged };
            reports.Add(await remediation.Remediate(request).WaitAsync(cancellationToken));
        }

        return reports;
    }

    public async Task<ProxyDetail> GetProxyAsync(string tenant, string cluster, string proxy, CancellationToken cancellationToken = default)
    {
        await RequireClusterAsync(tenant, cluster, cancellationToken);
        var known = await grains.GetGrain<IClusterGrain>(ClusterKeys.Of(tenant, cluster)).GetProxies().WaitAsync(cancellationToken);
        if (!known.Any(p => p.Name == proxy))
        {
            throw new DriftFabricNotFoundException($"no proxy {proxy} in cluster {tenant}/{cluster}");
        }

        // The proxy's own status: the cluster's copy is only refreshed when something changes.
        var grain = grains.GetGrain<IProxyGrain>(ProxyKeys.Of(tenant, cluster, proxy));
        // Retired since the cluster listed it: it is no longer there.
        var status = await grain.GetStatus().WaitAsync(cancellationToken) ?? throw new DriftFabricNotFoundException($"no proxy {proxy} in cluster {tenant}/{cluster}");
        var drifts = await grain.GetDrifts().WaitAsync(cancellationToken);
        return new ProxyDetail(tenant, cluster, status, drifts);
    }

    public async Task<ServiceDrift> GetServiceAsync(ServiceId service, CancellationToken cancellationToken = default)
    {
        var summary = await RequireServiceAsync(service, cancellationToken);
        var drifts = await grains.GetGrain<IServiceGrain>(service.Key).GetDrifts().WaitAsync(cancellationToken);
        return new ServiceDrift(service, summary, drifts);
    }

    public async Task<IReadOnlyList<DriftTransition>> GetHistoryAsync(ServiceId service, CancellationToken cancellationToken = default)
    {
        await RequireServiceAsync(service, cancellationToken);
        return await grains.GetGrain<IServiceGrain>(service.Key).GetHistory().WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DriftRecord>> GetResourceDriftAsync(ServiceId service, string resource, CancellationToken cancellationToken = default)
    {
        await RequireServiceAsync(service, cancellationToken);
        return await grains.GetGrain<IServiceGrain>(service.Key).GetResourceDrifts(resource).WaitAsync(cancellationToken)
            ?? throw new DriftFabricNotFoundException($"service {service} has no resource {resource}");
    }

    public IAsyncEnumerable<DriftEvent> WatchAsync(string tenant, long afterSequence = 0, DriftEventFilter? filter = null, CancellationToken cancellationToken = default) =>
        afterSequence < 0
            ? throw new DriftEventCursorOutOfRangeException(tenant, afterSequence)
            : WatchFromAsync(tenant, afterSequence, filter, cancellationToken);

    private async IAsyncEnumerable<DriftEvent> WatchFromAsync(string tenant, long afterSequence, DriftEventFilter? filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await RequireTenantAsync(tenant, cancellationToken);
        await foreach (var e in grains.ReadEventsAsync(tenant, afterSequence, cancellationToken: cancellationToken))
        {
            if (filter is null || filter.Matches(e))
            {
                yield return e;
            }
        }
    }

    private async Task RequireTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        var tenants = await grains.GetGrain<IFleetGrain>(FabricDefaults.FleetKey).GetTenants().WaitAsync(cancellationToken);
        if (!tenants.Contains(tenant, StringComparer.Ordinal))
        {
            throw new DriftFabricNotFoundException($"no tenant {tenant} in the fleet");
        }
    }

    private async Task<ClusterSummary> RequireClusterAsync(string tenant, string cluster, CancellationToken cancellationToken)
    {
        var summary = await GetTenantAsync(tenant, cancellationToken);
        return summary.Clusters.FirstOrDefault(c => c.Cluster == cluster)
            ?? throw new DriftFabricNotFoundException($"no cluster {cluster} in tenant {tenant}");
    }

    private async Task<DriftSummary> RequireServiceAsync(ServiceId service, CancellationToken cancellationToken)
    {
        await RequireClusterAsync(service.Tenant, service.Cluster, cancellationToken);
        var services = await grains.GetGrain<IClusterGrain>(ClusterKeys.Of(service.Tenant, service.Cluster)).GetServices().WaitAsync(cancellationToken);
        return services.FirstOrDefault(s => s.Service == service)?.Summary
            ?? throw new DriftFabricNotFoundException($"no service {service.Namespace}/{service.Name} in cluster {service.Tenant}/{service.Cluster}");
    }
}
