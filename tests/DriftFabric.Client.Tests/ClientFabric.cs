using DriftFabric.Grains.Fleet;

namespace DriftFabric.Client.Tests;

/// <summary>The in-process fabric of two silos with the example fleet loaded (tenants acme and globex), shared by the client's tests.</summary>
public sealed class ClientFabric() : InProcessFabric, IAsyncLifetime
{
    public TempFleet Fleet { get; } = TempFleet.FromExamples();

    public IDriftClient Drift { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await StartAsync();
        var loaded = await new FleetLoader(Client).LoadAsync(Fleet.SpecPath);
        Assert.Empty(loaded.Errors);
        Drift = new DriftClient(Client);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        Fleet.Dispose();
    }
}
