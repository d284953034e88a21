using System.Threading.Channels;
using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Tests;

/// <summary>
/// Follows a tenant's event log from its end as every reader does (the long poll of
/// <see cref="DriftEventFeed.ReadEventsAsync"/>), and hands out what arrives in order.
/// </summary>
public sealed class EventCollector : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<DriftEvent> _events = Channel.CreateUnbounded<DriftEvent>();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Starts reading after the last event the tenant's log holds now.</summary>
    public static async Task<EventCollector> SubscribeAsync(IClusterClient client, string tenant)
    {
        var last = (await client.GetGrain<ITenantGrain>(tenant).ReadEvents(long.MaxValue - 1, 1, TimeSpan.Zero)).Last;
        var collector = new EventCollector();
        collector._reading = collector.ReadAsync(client, tenant, last);
        return collector;
    }

    private async Task ReadAsync(IClusterClient client, string tenant, long after)
    {
        try
        {
            await foreach (var e in client.ReadEventsAsync(tenant, after, cancellationToken: _stop.Token))
            {
                await _events.Writer.WriteAsync(e, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _events.Writer.TryComplete(e);
        }
    }

    /// <summary>Every event up to and including <paramref name="lastSequence"/>; fails only if they do not come.</summary>
    public async Task<List<DriftEvent>> ReadThroughAsync(long lastSequence)
    {
        var received = new List<DriftEvent>();
        using var timeout = new CancellationTokenSource(Patience);
        while (received.Count == 0 || received[^1].Sequence < lastSequence)
        {
            received.Add(await _events.Reader.ReadAsync(timeout.Token));
        }

        return received;
    }

    public async Task<DriftEvent> ReadOneAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await _events.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }
}
