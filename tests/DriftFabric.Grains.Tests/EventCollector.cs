using System.Threading.Channels;
using DriftFabric.Abstractions;
using Orleans.Streams;

namespace DriftFabric.Grains.Tests;

/// <summary>Subscribes to a tenant's drift stream as a client would, and hands out what arrives in order.</summary>
public sealed class EventCollector : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<DriftEvent> _events = Channel.CreateUnbounded<DriftEvent>();
    private StreamSubscriptionHandle<DriftEvent>? _handle;

    public static async Task<EventCollector> SubscribeAsync(IClusterClient client, string tenant)
    {
        var collector = new EventCollector();
        var stream = client.GetStreamProvider(DriftStreams.ProviderName).GetStream<DriftEvent>(DriftStreams.For(tenant));
        collector._handle = await stream.SubscribeAsync((e, _) => collector._events.Writer.WriteAsync(e).AsTask());
        return collector;
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
        if (_handle is not null)
        {
            await _handle.UnsubscribeAsync();
        }
    }
}
