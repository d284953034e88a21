using DriftFabric.Client;
using DriftFabric.Grains.Secrets;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DriftFabric.Grains.Tests;

/// <summary>
/// One in-process cluster of two silos for every test; tests keep apart by tenant name. Its
/// installation key is <see cref="DigestKey"/>, so a test can tell the digests it must show.
/// </summary>
public sealed class FabricFixture : IAsyncLifetime
{
    public const string DigestKey = "the-fabric-fixture-installation-key";

    /// <summary>The digest the fabric shows of <paramref name="value"/>: <c>hmac:</c> and 8 hex digits of its HMAC-SHA256 under <see cref="DigestKey"/>.</summary>
    public static string Digest(string value) =>
        "hmac:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DigestKey), System.Text.Encoding.UTF8.GetBytes(value)))[..8];

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        var log = new DriftFabric.Grains.Events.MemoryDriftEventLog(TimeProvider.System);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddDriftFabricEmbedded(log);
            silo.Services.Configure<SecretDigestOptions>(o => o.Key = DigestKey);
        });
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
