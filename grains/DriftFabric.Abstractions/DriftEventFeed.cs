using System.Runtime.CompilerServices;

namespace DriftFabric.Abstractions;

/// <summary>A resuming reader's cursor fell behind the tenant's log retention: the events in between are gone.</summary>
public sealed class DriftEventsTrimmedException(string tenant, long cursor, long firstAvailable)
    : Exception($"tenant {tenant}: events {cursor + 1}..{firstAvailable - 1} were trimmed from the log (retention) before they were read; resume from {firstAvailable - 1} to go on without them")
{
    public string Tenant { get; } = tenant;

    public long Cursor { get; } = cursor;

    public long FirstAvailable { get; } = firstAvailable;
}

/// <summary>Reads a tenant's drift events from its log, resuming from a cursor.</summary>
public static class DriftEventFeed
{
    private const int PageSize = 1000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CallSlack = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Every event of the tenant numbered after <paramref name="afterSequence"/>, in order, each
    /// exactly once, and then new ones as they are logged. A failed call (a silo died, the client
    /// reconnects, the log is unavailable) is retried with backoff from the same cursor, so the
    /// consumer sees neither a gap nor a duplicate; <paramref name="onError"/> hears about each.
    /// Keep the last sequence you processed and pass it again to resume after a restart.
    /// </summary>
    /// <exception cref="DriftEventsTrimmedException">Events after the cursor were already trimmed by retention.</exception>
    public static async IAsyncEnumerable<DriftEvent> ReadEventsAsync(
        this IGrainFactory grains,
        string tenant,
        long afterSequence,
        Action<Exception>? onError = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursor = afterSequence;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            EventPage page;
            try
            {
                // A call to a silo that just died can hang until Orleans declares it dead: give up on
                // it a little after the long poll would have returned, and ask again.
                page = await grains.GetGrain<ITenantGrain>(tenant).ReadEvents(cursor, PageSize, Wait, cancellationToken).WaitAsync(Wait + CallSlack, cancellationToken);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                onError?.Invoke(e);
                await Task.Delay(backoff, cancellationToken);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
                continue;
            }

            if (page.FirstAvailable > cursor + 1 && page.Last > cursor)
            {
                throw new DriftEventsTrimmedException(tenant, cursor, page.FirstAvailable);
            }

            foreach (var e in page.Events)
            {
                if (e.Sequence == cursor + 1)
                {
                    cursor = e.Sequence;
                    yield return e;
                }
            }
        }
    }
}
