using DriftFabric.Client;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Silo;
using DriftFabric.Silo.Hosting;
using DriftFabric.Testing;
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

        var builder = new InProcessTestClusterBuilder(3);
        var log = new DriftFabric.Grains.Events.MemoryDriftEventLog(TimeProvider.System);
        builder.ConfigureSilo((_, silo) => silo.AddDriftFabricEmbedded(log));
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Services.AddSingleton(new WatchdogOptions(fleet.SpecPath, TimeSpan.FromMilliseconds(300)));
            host.Services.AddHostedService<FleetWatchdog>();
        });
        builder.ConfigureClient(client => client.AddDriftFabricEmbeddedClient());
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var client = cluster.Client;
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

    private static SiloAddress HostOf(InProcessTestCluster cluster, IClusterGrain grain) =>
        cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.Address.SiloAddress is { } silo
            ? silo
            : throw new InvalidOperationException("the cluster grain is not active");
}
