using DriftFabric.Client;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DriftFabric.Testing;

/// <summary>
/// The embedded fabric in this process, as tests host it: an Orleans in-process test cluster
/// (in-memory transport, no ports) of <paramref name="silos"/> silos sharing one event log
/// (<see cref="Log"/>), and a client. Each test project's cluster fixture is one of these; a test
/// that stops or kills silos starts its own.
/// </summary>
/// <param name="silos">How many silos to start.</param>
/// <param name="time">The silos' clock (Orleans' grain timers run on it too): by default the system's; a fake one a test moves itself.</param>
/// <param name="configureSilo">What a test adds to each silo after the embedded fabric (options, services, hosted services).</param>
public class InProcessFabric(int silos = 2, TimeProvider? time = null, Action<ISiloBuilder>? configureSilo = null) : IAsyncDisposable
{
    private InProcessTestCluster? _cluster;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    public SharedEventLog Log { get; } = new(time ?? TimeProvider.System);

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the fabric is not started");

    public IClusterClient Client => Cluster.Client;

    public async Task StartAsync()
    {
        var builder = new InProcessTestClusterBuilder(checked((short)silos));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(Time);
            silo.AddDriftFabricEmbedded(Log);
            configureSilo?.Invoke(silo);
        });
        builder.ConfigureClient(client => client.AddDriftFabricEmbeddedClient());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _cluster, null) is { } cluster)
        {
            await cluster.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
