using DriftFabric.Abstractions;
using DriftFabric.Grains.Events;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.TenantState")]
public sealed class TenantState
{
    /// <summary>The last sequence number the tenant's log gave (the log itself is the authority).</summary>
    [Id(0)]
    public long Sequence { get; set; }

    [Id(1)]
    public Dictionary<string, ClusterSummary> Clusters { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public EventRetention Retention { get; set; } = EventRetention.Default;
}

/// <summary>
/// One tenant: appends its services' drift transitions to the tenant's event log (which numbers
/// them), serves the log to every reader (a long poll wakes as soon as new events are in it:
/// one delivery path for the API, the SSE feed, webhooks, the client and the tests), and holds
/// its clusters' roll-ups. It receives roll-ups and transitions, never resources.
/// Reentrant: a publish waits for its append, and roll-ups and queries must not queue behind a
/// steady stream of publishes; its state changes between awaits only, and writes go one at a time.
/// </summary>
[GrainType("driftfabric.tenant"), Reentrant]
public sealed partial class TenantGrain(
    [PersistentState("tenant", StorageNames.Grains)] IPersistentState<TenantState> state,
    IDriftEventLog log,
    FabricHealth health,
    TimeProvider time,
    FabricMetrics metrics,
    GrainStateDurability durability,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    /// <summary>Batches of several services go to the log in one append, up to this many.</summary>
    private const int MaxBatches = 256;

    private static readonly TimeSpan PersistPeriod = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TrimPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    private readonly List<(EventBatch Batch, TaskCompletionSource Done)> _pending = [];
    private Task _lastWrite = Task.CompletedTask;
    private TaskCompletionSource _appended = NewSignal();
    private Task? _flushing;
    private bool _flushRunning;
    private IGrainTimer? _persist;
    private bool _dirty;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(TrimAsync, new GrainTimerCreationOptions { DueTime = TrimPeriod, Period = TrimPeriod, Interleave = true });
        try
        {
            // The log numbers events; what this grain stored may be behind it after a silo died.
            var page = await log.ReadAsync(Tenant, state.State.Sequence, 1, cancellationToken);
            state.State.Sequence = Math.Max(state.State.Sequence, page.Last);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLogUnavailable(logger, e, Tenant);
        }
    }

    /// <summary>
    /// Queues the batch; one flush loop appends everything queued in one go (so a busy tenant
    /// costs a round trip per burst, not per service) and completes each caller once its
    /// transitions are in the log.
    /// </summary>
    public async Task Publish(ServiceId service, long firstServiceSequence, IReadOnlyList<DriftTransition> transitions)
    {
        if (transitions.Count == 0)
        {
            return;
        }

        // The span lasts until the transitions are in the log.
        using var activity = FabricTracing.Source.StartActivity("driftfabric.tenant.publish");
        activity?.SetTag("driftfabric.tenant", Tenant);
        activity?.SetTag("driftfabric.transitions", transitions.Count);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((new EventBatch(service, firstServiceSequence, transitions), done));
        if (!_flushRunning)
        {
            // The flag, not the task: a flush can finish before FlushAsync even returns its task
            // (the memory log answers at once), and a stale task would stop every later flush.
            _flushRunning = true;
            _flushing = FlushAsync();
        }

        await done.Task;
    }

    private async Task FlushAsync()
    {
        try
        {
            while (_pending.Count > 0)
            {
                var take = Math.Min(_pending.Count, MaxBatches);
                var batch = _pending.GetRange(0, take);
                _pending.RemoveRange(0, take);
                IReadOnlyList<DriftEvent> appended;
                try
                {
                    appended = await log.AppendAsync(Tenant, [.. batch.Select(b => b.Batch)], state.State.Retention);
                    health.Report("event-log", null);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Nothing is lost: each service keeps its transitions until a publish succeeds.
                    health.Report("event-log", $"tenant {Tenant}: cannot append to the event log: {e.Message}");
                    LogAppendFailed(logger, e, Tenant, batch.Count);
                    var error = new InvalidOperationException($"tenant {Tenant}: the event log is unavailable: {e.Message}");
                    batch.ForEach(b => b.Done.TrySetException(error));
                    continue;
                }

                batch.ForEach(b => b.Done.TrySetResult());
                metrics.RecordPublished(Tenant, appended);
                if (appended.Count > 0)
                {
                    state.State.Sequence = appended[^1].Sequence;
                    _dirty = true;
                    EnsurePersisting();
                    var signal = _appended;
                    _appended = NewSignal();
                    signal.TrySetResult();
                }
            }
        }
        finally
        {
            _flushRunning = false;
        }
    }

    public async Task<EventPage> ReadEvents(long afterSequence, int max, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        max = Math.Clamp(max, 1, 10_000);
        var appended = _appended.Task;
        var page = await log.ReadAsync(Tenant, afterSequence, max, cancellationToken);

        // A cursor past the log's end waits for nothing: the caller learns at once (page.Last) that it names no event.
        if (page.Events.Count > 0 || wait <= TimeSpan.Zero || afterSequence > page.Last)
        {
            return page;
        }

        await Task.WhenAny(appended, Task.Delay(wait < MaxWait ? wait : MaxWait, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        return await log.ReadAsync(Tenant, afterSequence, max, cancellationToken);
    }

    public async Task SetRetention(int maxLength, TimeSpan maxAge)
    {
        var retention = new EventRetention(maxLength, maxAge);
        if (retention != state.State.Retention)
        {
            state.State.Retention = retention;
            await WriteStateAsync();
        }
    }

    private async Task TrimAsync(CancellationToken cancellationToken)
    {
        try
        {
            await log.TrimAsync(Tenant, state.State.Retention, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLogUnavailable(logger, e, Tenant);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_flushRunning && _flushing is { } flushing)
        {
            await flushing;
        }

        // Roll-ups in silo memory die with a silo that is shutting down (its storage grains are
        // already gone): nothing to keep, and clusters report theirs again to a new activation.
        if (durability.OutlivesSilos || reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            await PersistAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Takes a cluster's new roll-up. It is stored within ten seconds: roll-ups change with every
    /// drift, and each cluster can send its own again.
    /// </summary>
    public Task ReportCluster(ClusterSummary cluster)
    {
        if (state.State.Clusters.GetValueOrDefault(cluster.Cluster) != cluster)
        {
            state.State.Clusters[cluster.Cluster] = cluster;
            _dirty = true;
            EnsurePersisting();
        }

        return Task.CompletedTask;
    }

    private void EnsurePersisting() =>
        _persist ??= this.RegisterGrainTimer(PersistAsync, new GrainTimerCreationOptions { DueTime = PersistPeriod, Period = PersistPeriod, Interleave = true });

    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            try
            {
                await WriteStateAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _dirty = true;
                LogPersistFailed(logger, e, Tenant);
            }
        }
    }

    public async Task RetainClusters(IReadOnlyList<string> clusters)
    {
        var removed = state.State.Clusters.Keys.Except(clusters, StringComparer.Ordinal).ToList();
        foreach (var cluster in removed)
        {
            state.State.Clusters.Remove(cluster);
        }

        if (removed.Count > 0)
        {
            await WriteStateAsync();
        }
    }

    public Task<string> GetSilo() => Task.FromResult(GrainContext.Address.SiloAddress?.ToString() ?? "unknown");

    public Task<TenantSummary> GetSummary()
    {
        var clusters = state.State.Clusters.Values.OrderBy(c => c.Cluster, StringComparer.Ordinal).ToList();
        var total = DriftSummary.Empty;
        foreach (var cluster in clusters)
        {
            total += cluster.Summary;
        }

        return Task.FromResult(new TenantSummary(Tenant, total, clusters, state.State.Sequence));
    }

    /// <summary>One write at a time: two overlapping writes of the same state would conflict on its etag.</summary>
    private Task WriteStateAsync(CancellationToken cancellationToken = default) => _lastWrite = WriteAfterAsync(_lastWrite, cancellationToken);

    private async Task WriteAfterAsync(Task previous, CancellationToken cancellationToken)
    {
        try
        {
            await previous;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The previous write's caller has its failure; this write goes on regardless.
        }

        await state.WriteAsync(GrainContext, logger, cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = LogEvents.TenantAppendFailed, Level = LogLevel.Warning, Message = "Tenant {Tenant} could not append {Batches} batches of events to its log; their services will send them again")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string tenant, int batches);

    [LoggerMessage(EventId = LogEvents.TenantLogUnavailable, Level = LogLevel.Warning, Message = "Tenant {Tenant} could not read or trim its event log")]
    private static partial void LogLogUnavailable(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(EventId = LogEvents.TenantPersistFailed, Level = LogLevel.Warning, Message = "Tenant {Tenant} could not store its roll-up; it retries")]
    private static partial void LogPersistFailed(ILogger logger, Exception exception, string tenant);
}
