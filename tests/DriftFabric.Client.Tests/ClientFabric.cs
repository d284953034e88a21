using DriftFabric.Client;
using DriftFabric.Grains.Fleet;
using DriftFabric.Silo.Hosting;
using Orleans.TestingHost;

namespace DriftFabric.Client.Tests;

/// <summary>Two in-process silos with the example fleet loaded (tenants acme and globex), shared by the client's tests.</summary>
public sealed class ClientFabric : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public TempFleet Fleet { get; } = TempFleet.FromExamples();

    public IDriftClient Drift { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        var log = new DriftFabric.Grains.Events.MemoryDriftEventLog(TimeProvider.System);
        builder.ConfigureSilo((_, silo) => silo.AddDriftFabricEmbedded(log));
        builder.ConfigureClient(client => client.AddDriftFabricEmbeddedClient());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        var loaded = await new FleetLoader(Cluster.Client).LoadAsync(Fleet.SpecPath);
        Assert.Empty(loaded.Errors);
        Drift = new DriftClient(Cluster.Client);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Fleet.Dispose();
    }
}
