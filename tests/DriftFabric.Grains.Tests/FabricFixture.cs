using DriftFabric.Grains.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DriftFabric.Grains.Tests;

/// <summary>
/// The in-process fabric of two silos shared by every test of a collection; tests keep apart by
/// tenant name. Its installation key is <see cref="DigestKey"/>, so a test can tell the digests it
/// must show. Its silos run on <see cref="InProcessFabric.Time"/>: the system's clock, or a fake
/// one a test moves itself.
/// </summary>
public class FabricFixture : InProcessFabric, IAsyncLifetime
{
    public FabricFixture()
        : this(TimeProvider.System)
    {
    }

    /// <param name="time">The silos' clock: Orleans' grain timers run on it too.</param>
    protected FabricFixture(TimeProvider time)
        : base(time: time, configureSilo: silo => silo.Services.Configure<SecretDigestOptions>(o => o.Key = DigestKey))
    {
    }

    public const string DigestKey = "the-fabric-fixture-installation-key";

    /// <summary>The digest the fabric shows of <paramref name="value"/>: <c>hmac:</c> and 8 hex digits of its HMAC-SHA256 under <see cref="DigestKey"/>.</summary>
    public static string Digest(string value) =>
        "hmac:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DigestKey), System.Text.Encoding.UTF8.GetBytes(value)))[..8];

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
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
public sealed class FakeClockFabric() : FabricFixture(new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero)))
{
    public FakeTimeProvider Clock => (FakeTimeProvider)Time;
}

[CollectionDefinition(Name)]
public sealed class FakeClockTests : ICollectionFixture<FakeClockFabric>
{
    public const string Name = "fabric-on-a-fake-clock";
}
