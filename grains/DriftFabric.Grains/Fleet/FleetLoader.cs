using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Proxies;
using DriftFabric.Engine.Comparison;
using DriftFabric.Sources.Fleet;

namespace DriftFabric.Grains.Fleet;

/// <summary>What loading a fleet spec did: the spec's own errors and each tenant's summary after the first load.</summary>
public sealed record FleetLoadResult(string Path, IReadOnlyList<ManifestError> Errors, IReadOnlyList<TenantSummary> Tenants);

/// <summary>
/// Reads a fleet spec and configures a cluster grain per declared cluster (which loads its own
/// sources and keeps watching them), then returns each tenant's roll-up.
/// </summary>
public sealed class FleetLoader(IGrainFactory grains)
{
    public Task<FleetLoadResult> LoadAsync(string fleetPath, CancellationToken cancellationToken = default) =>
        ApplyAsync(fleetPath, ensure: false, cancellationToken);

    /// <summary>What the watchdog does: brings back every cluster and proxy that is not being watched, and touches nothing else.</summary>
    public Task<FleetLoadResult> EnsureAsync(string fleetPath, CancellationToken cancellationToken = default) =>
        ApplyAsync(fleetPath, ensure: true, cancellationToken);

    private async Task<FleetLoadResult> ApplyAsync(string fleetPath, bool ensure, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(fleetPath);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FleetLoadResult(path, [new ManifestError(path, 0, "cannot read fleet spec: " + e.Message)], []);
        }

        var spec = FleetSpecReader.Parse(path, text, Path.GetDirectoryName(path));
        var policy = PolicyCache.SourceOf(path, text);
        // Webhooks first: a new one starts at its tenant's newest event, so it gets this load's transitions.
        await ApplyWebhooksAsync(spec, policy);

        var configure = new List<Task>();
        foreach (var tenant in spec.Tenants)
        {
            foreach (var cluster in tenant.Clusters)
            {
                var config = new ClusterConfig(
                    tenant.Name, cluster.Name, cluster.DesiredPath, cluster.LivePath, cluster.DefaultNamespace, [.. cluster.ServiceLabels], policy, cluster.PollInterval)
                {
                    Kube = cluster.Kube is { } kube ? new KubeEndpoint(kube.Kubeconfig, kube.Context, kube.InCluster, kube.Qps, kube.Burst) : null,
                    Git = cluster.Git,
                };
                var grain = grains.GetGrain<IClusterGrain>(ClusterKeys.Of(tenant.Name, cluster.Name));
                configure.Add(GrainCalls.RetryTransientAsync(() => ensure ? grain.EnsureWatching(config) : grain.Configure(config), cancellationToken));
            }
        }

        await Task.WhenAll(configure);
        // Proxies after their clusters: a proxy's first judgement goes to its cluster's services.
        var proxyErrors = await ApplyProxiesAsync(spec, policy, ensure);

        var tenants = new List<TenantSummary>();
        foreach (var tenant in spec.Tenants)
        {
            var grain = grains.GetGrain<ITenantGrain>(tenant.Name);
            await GrainCalls.RetryTransientAsync(() => grain.RetainClusters([.. tenant.Clusters.Select(c => c.Name)]), cancellationToken);
            await GrainCalls.RetryTransientAsync(() => grain.SetRetention(tenant.Events.MaxLength, tenant.Events.MaxAge), cancellationToken);
            tenants.Add(await GrainCalls.RetryTransientAsync(grain.GetSummary, cancellationToken));
        }

        // A spec that does not read declares nothing: the tenants known so far stay listed.
        if (spec.Tenants.Count > 0 || spec.Errors.Count == 0)
        {
            await GrainCalls.RetryTransientAsync(() => grains.GetGrain<IFleetGrain>(FabricDefaults.FleetKey).SetTenants([.. spec.Tenants.Select(t => t.Name)]), cancellationToken);
        }

        return new FleetLoadResult(path, [.. spec.Errors, .. proxyErrors.Select(e => new ManifestError(path, 0, e))], tenants);
    }

    /// <summary>Configures (or, for the watchdog, ensures) every declared proxy, and retires those the spec no longer declares.</summary>
    /// <returns>An error for each proxy that could not be retired (it is tried again at the next load).</returns>
    private async Task<List<string>> ApplyProxiesAsync(FleetSpec spec, PolicySource policy, bool ensure)
    {
        if (spec.Tenants.Count == 0 && spec.Errors.Count > 0)
        {
            // A spec that does not read declares nothing: proxies keep running as they were.
            return [];
        }

        var configs = spec.Tenants
            .SelectMany(tenant => tenant.Clusters.SelectMany(cluster => cluster.Proxies.Select(proxy => new ProxyConfig(
                tenant.Name, cluster.Name, proxy.Name, proxy.Kind, proxy.Admin, proxy.DesiredPath, proxy.PollInterval, proxy.Timeout,
                [.. proxy.Services.Select(s => new ServiceId(tenant.Name, cluster.Name, s.Namespace, s.Name))]) { Policy = policy })))
            .ToList();
        await Task.WhenAll(configs.Select(c => GrainCalls.RetryTransientAsync(() => ensure ? grains.GetGrain<IProxyGrain>(c.Key).Ensure(c) : grains.GetGrain<IProxyGrain>(c.Key).Configure(c))));
        var fleet = grains.GetGrain<IFleetGrain>(FabricDefaults.FleetKey);
        var retired = await GrainCalls.RetryTransientAsync(() => fleet.ReplaceProxies([.. configs.Select(c => c.Key)]));
        var failed = (await Task.WhenAll(retired.Select(async key =>
        {
            try
            {
                await grains.GetGrain<IProxyGrain>(key).Retire();
                return ((string Key, string Error)?)null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (key, e.Message);
            }
        }))).OfType<(string Key, string Error)>().ToList();
        if (failed.Count > 0)
        {
            // Kept on the list, so that the next load retires them again.
            await GrainCalls.RetryTransientAsync(() => fleet.ReplaceProxies([.. configs.Select(c => c.Key), .. failed.Select(f => f.Key)]));
        }

        return [.. failed.Select(f => $"proxy {f.Key} is no longer declared but could not withdraw its drifts: {f.Error}")];
    }

    private async Task ApplyWebhooksAsync(FleetSpec spec, PolicySource policy)
    {
        if (spec.Tenants.Count == 0 && spec.Errors.Count > 0)
        {
            // A spec that does not read declares nothing: webhooks keep running as they were.
            return;
        }

        var configs = spec.Notifications
            .SelectMany(hook => (hook.Tenants.Count > 0 ? hook.Tenants : spec.Tenants.Select(t => t.Name)).Select(tenant => new WebhookConfig(
                tenant, hook.Name, hook.Url.ToString(), hook.Format, hook.SecretEnv, (Severity)(int)hook.MinSeverity,
                [.. hook.Kinds], [.. hook.Events.Select(e => Enum.Parse<DriftEventType>(e, ignoreCase: true))], hook.SkippedReview, policy)))
            .ToList();
        await Task.WhenAll(configs.Select(c => GrainCalls.RetryTransientAsync(() => grains.GetGrain<IWebhookGrain>(c.Key).Ensure(c))));
        var retired = await GrainCalls.RetryTransientAsync(() => grains.GetGrain<IFleetGrain>(FabricDefaults.FleetKey).ReplaceWebhooks([.. configs.Select(c => c.Key)]));
        await Task.WhenAll(retired.Select(key => GrainCalls.RetryTransientAsync(() => grains.GetGrain<IWebhookGrain>(key).Retire())));
    }
}
