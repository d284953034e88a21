using DriftFabric.Client;
using DriftFabric.Silo.Hosting;
using Orleans.TestingHost;

namespace DriftFabric.Grains.Tests;

/// <summary>One in-process cluster of two silos for every test; tests keep apart by tenant name.</summary>
public sealed class FabricFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        var log = new DriftFabric.Grains.Events.MemoryDriftEventLog(TimeProvider.System);
        builder.ConfigureSilo((_, silo) => silo.AddDriftFabricEmbedded(log));
        builder.ConfigureClient(client => client.AddDriftFabricEmbeddedClient());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class FabricTests : ICollectionFixture<FabricFixture>
{
    public const string Name = "fabric";
}
