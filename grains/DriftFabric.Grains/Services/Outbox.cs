using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Services;

/// <summary>
/// A service's transitions on their way to its tenant's log, as plain logic: numbered and stored
/// with the drift set first (<see cref="Add"/>; a silo's death then loses none), then sent in the
/// background (<see cref="Start"/>). One send loop at a time takes everything the outbox holds, in
/// order; what comes in meanwhile goes with the next round. On failure the transitions stay (stored)
/// for the caller's retry. A confirmed batch is emptied in memory and stored empty with the next
/// write: one sent twice is skipped by the log. The grain decides when sending may start (only what
/// is stored is sent); this class decides what is sent and what a confirmation removes.
/// </summary>
/// <param name="sink">Where the batches go, and who is told how sending went (the service grain: one object per service, no closures).</param>
internal sealed class Outbox(TimeProvider time, IOutboxSink sink)
{
    // When the oldest change whose transitions wait here reached the service (a timestamp of the
    // time provider): unknown for an outbox restored on activation.
    private long? _pendingSince;

    /// <summary>True while a send loop runs.</summary>
    public bool Sending { get; private set; }

    /// <summary>The latest send loop (completed when none runs): a caller that must see its transitions in the log awaits it.</summary>
    public Task SendLoop { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Numbers <paramref name="transitions"/> after the service's last one, remembers them in its
    /// bounded history and puts them in the outbox, to be stored before they are sent.
    /// </summary>
    /// <param name="received">When the change that caused them reached the service (a timestamp of the time provider); an older change still waiting keeps its own.</param>
    public void Add(ServiceState state, IReadOnlyCollection<DriftTransition> transitions, long received)
    {
        if (transitions.Count == 0)
        {
            return;
        }

        _pendingSince ??= received;
        var history = state.History;
        history.AddRange(transitions);
        if (history.Count > ServiceHistory.Capacity)
        {
            history.RemoveRange(0, history.Count - ServiceHistory.Capacity);
        }

        state.Outbox.AddRange(transitions);
        state.EventSequence += transitions.Count;
    }

    /// <summary>Starts a send loop unless one runs already or nothing waits.</summary>
    public void Start(ServiceState state)
    {
        if (!Sending && state.Outbox.Count > 0)
        {
            // The flag is cleared when the loop ends, even if it ends before this call returns.
            Sending = true;
            SendLoop = SendAsync(state);
        }
    }

    private async Task SendAsync(ServiceState state)
    {
        try
        {
            var outbox = state.Outbox;
            while (outbox.Count > 0)
            {
                var batch = outbox.ToList();
                try
                {
                    await sink.Publish(state.OutboxFirst, batch);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    sink.Failed(e, outbox.Count);
                    return;
                }

                outbox.RemoveRange(0, batch.Count);
                if (_pendingSince is { } since)
                {
                    sink.Detected(time.GetElapsedTime(since));
                    _pendingSince = null;
                }
            }
        }
        finally
        {
            Sending = false;
        }
    }
}

/// <summary>Where an <see cref="Outbox"/> sends, and who is told how sending went.</summary>
internal interface IOutboxSink
{
    /// <summary>Hands a batch to the tenant's log, given the number of its first transition.</summary>
    Task Publish(long first, List<DriftTransition> batch);

    /// <summary>The detection latency: from when the oldest change now confirmed reached the service.</summary>
    void Detected(TimeSpan latency);

    /// <summary>The publish failed; <paramref name="waiting"/> transitions wait in the outbox, which keeps them.</summary>
    void Failed(Exception exception, int waiting);
}
