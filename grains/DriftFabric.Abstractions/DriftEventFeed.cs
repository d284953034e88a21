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

/// <summary>
/// A cursor that names no place in a tenant's log: below 0, or past the last event the log has
/// numbered (a cursor of another log, or one the caller made up). Asking again cannot help.
/// </summary>
public sealed class DriftEventCursorOutOfRangeException : ArgumentOutOfRangeException
{
    private readonly string _message;

    public DriftEventCursorOutOfRangeException(string tenant, long cursor, long last)
        : base("afterSequence", cursor, null)
    {
        Tenant = tenant;
        Cursor = cursor;
        Last = last;
        _message = cursor < 0
            ? $"tenant {tenant}: {cursor} is not a cursor: events are numbered from 1 (0 reads from the start)"
            : $"tenant {tenant}: cursor {cursor} is past the last event of the log ({last}); 0 reads from the start";
    }

    /// <summary>A cursor below 0, whatever the log holds.</summary>
    public DriftEventCursorOutOfRangeException(string tenant, long cursor)
        : this(tenant, cursor, -1)
    {
    }

    public string Tenant { get; }

    public long Cursor { get; }

    /// <summary>The last sequence the log has numbered (-1: not asked, the cursor is below 0).</summary>
    public long Last { get; }

    public override string Message => _message;
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
    /// <exception cref="DriftEventCursorOutOfRangeException">
    /// The cursor is below 0 (thrown at once) or past the log's last event (thrown by the first
    /// read); neither is retried.
    /// </exception>
    public static IAsyncEnumerable<DriftEvent> ReadEventsAsync(
        this IGrainFactory grains,
        string tenant,
        long afterSequence,
        Action<Exception>? onError = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return afterSequence < 0
            ? throw new DriftEventCursorOutOfRangeException(tenant, afterSequence)
            : ReadFromAsync(grains, tenant, afterSequence, onError, cancellationToken);
    }

    private static async IAsyncEnumerable<DriftEvent> ReadFromAsync(
        IGrainFactory grains,
        string tenant,
        long afterSequence,
        Action<Exception>? onError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
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
            catch (Exception e) when (e is not (OperationCanceledException or ArgumentException))
            {
                // What failed may work on the next call; a call the grain refused (ArgumentException) will not.
                onError?.Invoke(e);
                await Task.Delay(backoff, cancellationToken);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
                continue;
            }

            if (page.Last < cursor)
            {
                throw new DriftEventCursorOutOfRangeException(tenant, cursor, page.Last);
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
