using DriftFabric.Client;
using DriftFabric.Grains.Secrets;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DriftFabric.Grains.Tests;

/// <summary>
/// One in-process cluster of two silos for every test; tests keep apart by tenant name. Its
/// installation key is <see cref="DigestKey"/>, so a test can tell the digests it must show.
/// Its silos run on <see cref="Time"/>: the system's clock, or a fake one a test moves itself.
/// </summary>
public class FabricFixture : IAsyncLifetime
{
    private readonly TimeProvider _time;

    public FabricFixture()
        : this(TimeProvider.System)
    {
    }

    /// <param name="time">The silos' clock: Orleans' grain timers run on it too.</param>
    protected FabricFixture(TimeProvider time) => _time = time;

    public TimeProvider Time => _time;

    public const string DigestKey = "the-fabric-fixture-installation-key";

    /// <summary>The digest the fabric shows of <paramref name="value"/>: <c>hmac:</c> and 8 hex digits of its HMAC-SHA256 under <see cref="DigestKey"/>.</summary>
    public static string Digest(string value) =>
        "hmac:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DigestKey), System.Text.Encoding.UTF8.GetBytes(value)))[..8];

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        var log = new DriftFabric.Grains.Events.MemoryDriftEventLog(_time);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(_time);
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

/// <summary>
/// The fabric on a fake clock that only its tests move (grain timers included): backoffs and
/// retries are asserted to the millisecond, without waiting for them.
/// </summary>
public sealed class FakeClockFabric() : FabricFixture(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero)))
{
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => (Microsoft.Extensions.Time.Testing.FakeTimeProvider)Time;
}

[CollectionDefinition(Name)]
public sealed class FakeClockTests : ICollectionFixture<FakeClockFabric>
{
    public const string Name = "fabric-on-a-fake-clock";
}

