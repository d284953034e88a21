using DriftFabric.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.TenantState")]
public sealed class TenantState
{
    [Id(0)]
    public long Sequence { get; set; }

    [Id(1)]
    public Dictionary<string, ClusterSummary> Clusters { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One tenant: numbers its drift transitions (one sequence per tenant, in the order each service
/// reports them), publishes them on the tenant's stream, and holds its clusters' roll-ups.
/// </summary>
[GrainType("driftfabric.tenant")]
public sealed partial class TenantGrain(
    [PersistentState("tenant", StorageNames.Grains)] IPersistentState<TenantState> state,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private readonly Queue<DriftEvent> _outbox = new();
    private IAsyncStream<DriftEvent>? _stream;
    private static readonly TimeSpan PersistPeriod = TimeSpan.FromSeconds(10);
    private Task? _flushing;
    private IGrainTimer? _persist;
    private bool _dirty;

    private IAsyncStream<DriftEvent> Stream =>
        _stream ??= this.GetStreamProvider(DriftStreams.ProviderName).GetStream<DriftEvent>(DriftStreams.For(this.GetPrimaryKeyString()));

    /// <summary>
    /// Numbers the transitions and queues them; one flush loop publishes the queue in order, in
    /// batches, so a busy stream never holds up detection in the services.
    /// </summary>
    public Task Publish(ServiceId service, IReadOnlyList<DriftTransition> transitions)
    {
        var tenant = this.GetPrimaryKeyString();
        foreach (var transition in transitions)
        {
            _outbox.Enqueue(new DriftEvent(tenant, ++state.State.Sequence, transition.Type, service, transition.Drift, transition.At));
        }

        _flushing ??= FlushAsync();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_flushing is { } flushing)
        {
            await flushing;
        }

        await PersistAsync(cancellationToken);
    }

    /// <summary>
    /// Publishes the outbox in order. The sequence is stored before the events it numbers go out;
    /// an event leaves the outbox only once published, and a failure retries a second later.
    /// </summary>
    private async Task FlushAsync()
    {
        try
        {
            while (_outbox.Count > 0)
            {
                _dirty = false;
                await state.WriteAsync();
                while (_outbox.TryPeek(out var e))
                {
                    await Stream.OnNextAsync(e);
                    _outbox.Dequeue();
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPublishFailed(logger, e, this.GetPrimaryKeyString(), _outbox.Count);
            this.RegisterGrainTimer(() =>
            {
                _flushing ??= FlushAsync();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions { DueTime = TimeSpan.FromSeconds(1), Period = Timeout.InfiniteTimeSpan });
        }
        finally
        {
            _flushing = null;
        }
    }

    /// <summary>
    /// Takes a cluster's new roll-up. It is stored with the next batch of events or within ten
    /// seconds: roll-ups change with every drift, and each cluster can send its own again.
    /// </summary>
    public Task ReportCluster(ClusterSummary cluster)
    {
        if (state.State.Clusters.GetValueOrDefault(cluster.Cluster) != cluster)
        {
            state.State.Clusters[cluster.Cluster] = cluster;
            _dirty = true;
            _persist ??= this.RegisterGrainTimer(PersistAsync, new GrainTimerCreationOptions { DueTime = PersistPeriod, Period = PersistPeriod, Interleave = true });
        }

        return Task.CompletedTask;
    }

    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        if (_dirty && _flushing is null)
        {
            _dirty = false;
            await state.WriteAsync(cancellationToken);
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
            await state.WriteAsync();
        }
    }

    public Task<TenantSummary> GetSummary()
    {
        var clusters = state.State.Clusters.Values.OrderBy(c => c.Cluster, StringComparer.Ordinal).ToList();
        var total = DriftSummary.Empty;
        foreach (var cluster in clusters)
        {
            total += cluster.Summary;
        }

        return Task.FromResult(new TenantSummary(this.GetPrimaryKeyString(), total, clusters, state.State.Sequence));
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Tenant {Tenant} could not publish its events ({Pending} waiting); retrying")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string tenant, int pending);
}
