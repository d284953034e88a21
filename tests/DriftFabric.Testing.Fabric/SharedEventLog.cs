using DriftFabric.Abstractions;
using DriftFabric.Grains.Events;

namespace DriftFabric.Testing;

/// <summary>
/// The one memory event log of every silo of an <see cref="InProcessFabric"/>, which tells a test
/// when a reader asked for what follows its cursor and found nothing: from then on that reader
/// waits in its long poll for what comes next.
/// </summary>
public sealed class SharedEventLog(TimeProvider time) : IDriftEventLog
{
    private readonly MemoryDriftEventLog _log = new(time);
    private readonly Lock _lock = new();
    private readonly List<(string Tenant, long After, TaskCompletionSource Found)> _waiting = [];

    public bool IsDurable => _log.IsDurable;

    public Task<IReadOnlyList<DriftEvent>> AppendAsync(string tenant, IReadOnlyList<EventBatch> batches, EventRetention retention, CancellationToken cancellationToken = default) =>
        _log.AppendAsync(tenant, batches, retention, cancellationToken);

    public async Task<EventPage> ReadAsync(string tenant, long afterSequence, int max, CancellationToken cancellationToken = default)
    {
        var page = await _log.ReadAsync(tenant, afterSequence, max, cancellationToken).ConfigureAwait(false);
        if (page.Events.Count == 0)
        {
            lock (_lock)
            {
                foreach (var waiting in _waiting.Where(w => w.Tenant == tenant && w.After == afterSequence))
                {
                    waiting.Found.TrySetResult();
                }

                _waiting.RemoveAll(w => w.Found.Task.IsCompleted);
            }
        }

        return page;
    }

    public Task TrimAsync(string tenant, EventRetention retention, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _log.TrimAsync(tenant, retention, now, cancellationToken);

    /// <summary>
    /// Completes at the next read of <paramref name="tenant"/>'s events after
    /// <paramref name="afterSequence"/> that finds none (ask before the read can happen).
    /// </summary>
    public Task NothingAfterAsync(string tenant, long afterSequence)
    {
        var found = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiting.Add((tenant, afterSequence, found));
        }

        return found.Task;
    }
}
