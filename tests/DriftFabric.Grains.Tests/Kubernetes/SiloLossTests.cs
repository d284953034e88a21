using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Silo;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DriftFabric.Grains.Tests.Kubernetes;

/// <summary>A cluster's watch outlives the silo that hosted it: the watchdog brings it back on a survivor.</summary>
public sealed class SiloLossTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task When_the_silo_hosting_a_cluster_stops_or_dies_its_watch_resumes_on_another_from_a_relist(bool graceful)
    {
        await using var server = await KubeApiServer.StartAsync();
        server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        using var fleet = TempFleet.Single("silo-loss");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.WatchLive(server.KubeConfig());

        await using var fabric = await StartAsync(fleet);
        var (cluster, client) = (fabric.Cluster, fabric.Client);
        await new FleetLoader(client).LoadAsync(fleet.SpecPath);
        var clusterGrain = client.GetGrain<IClusterGrain>("silo-loss/prod");
        var host = HostOf(cluster, clusterGrain);

        var hosting = cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await (graceful ? cluster.StopSiloAsync(hosting) : cluster.KillSiloAsync(hosting));
        server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 9, "kubectl-scale");

        var web = client.GetGrain<IServiceGrain>("silo-loss/prod/shop/web");
        await Eventually.HoldsAsync(
            async () => (await web.GetDrifts()).Count == 1,
            async () => $"cluster {await clusterGrain.GetSummary()}, watches open {server.OpenWatches}, requests {server.Requests}",
            TimeSpan.FromSeconds(60));
        var drift = Assert.Single(await web.GetDrifts());
        Assert.Equal(("/spec/replicas", "9", "kubectl-scale"), (drift.Path, drift.Live, drift.Manager));
        Assert.NotEqual(host, HostOf(cluster, clusterGrain));
    }

    /// <summary>
    /// A silo's death can leave a service activated twice for a moment (Orleans' directory loses
    /// the dead silo's entries), the one that stays holding state its twin changed since: once the
    /// fabric settles, a cluster that did not move re-lists and sends its services their state again.
    /// </summary>
    [Fact]
    public async Task After_another_silo_dies_a_cluster_relists_and_resends_its_services_once_the_fabric_settles()
    {
        await using var server = await KubeApiServer.StartAsync();
        server.Put(Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale"));
        using var fleet = TempFleet.Single("silo-settle");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.WatchLive(server.KubeConfig());
        await using var fabric = await StartAsync(fleet);
        var (cluster, client) = (fabric.Cluster, fabric.Client);
        await new FleetLoader(client).LoadAsync(fleet.SpecPath);
        var clusterGrain = client.GetGrain<IClusterGrain>("silo-settle/prod");
        var host = HostOf(cluster, clusterGrain);
        var lists = Lists(server);

        // Not the silo of the cluster, nor the first (the test cluster's membership lives there).
        var victim = cluster.Silos.Skip(1).First(s => !s.SiloAddress.Equals(host));
        await cluster.KillSiloAsync(victim);

        await Eventually.HoldsAsync(
            () => Task.FromResult(Lists(server) > lists),
            () => Task.FromResult($"lists {Lists(server)} (before the kill {lists}); requests: {string.Join(", ", server.RequestLog.TakeLast(5).Select(r => r.Request))}"),
            TimeSpan.FromSeconds(60));
        Assert.Equal(host, HostOf(cluster, clusterGrain));
        var drift = Assert.Single(await client.GetGrain<IServiceGrain>("silo-settle/prod/shop/web").GetDrifts());
        Assert.Equal(("/spec/replicas", "5"), (drift.Path, drift.Live));
    }

    private static int Lists(KubeApiServer server) =>
        server.RequestLog.Count(r => r.Request.Contains("/deployments", StringComparison.Ordinal) && !r.Request.Contains("watch=true", StringComparison.Ordinal));

    /// <summary>Three silos, each with the silo's watchdog of the fleet (every 300 ms, and at once when a silo dies).</summary>
    private static async Task<InProcessFabric> StartAsync(TempFleet fleet)
    {
        var fabric = new InProcessFabric(silos: 3, configureSilo: silo =>
        {
            silo.Services.AddSingleton(new WatchdogOptions(fleet.SpecPath, TimeSpan.FromMilliseconds(300)));
            silo.Services.AddHostedService<FleetWatchdog>();
        });
        await fabric.StartAsync();
        return fabric;
    }

    private static SiloAddress HostOf(InProcessTestCluster cluster, IClusterGrain grain) =>
        cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.Address.SiloAddress is { } silo
            ? silo
            : throw new InvalidOperationException("the cluster grain is not active");
}
