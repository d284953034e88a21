using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Services;

/// <summary>
/// One service of one cluster (key <c>tenant/cluster/namespace/service</c>): holds its desired
/// documents and live objects, compares them with the engine on every change, keeps the current
/// drift set with onset times, and publishes each transition to its tenant.
/// </summary>
[GrainType("driftfabric.service")]
public sealed partial class ServiceGrain(
    [PersistentState("service", StorageNames.Grains)] IPersistentState<ServiceState> state,
    TimeProvider time,
    FabricMetrics metrics,
    FabricHealth health,
    PolicyCache policies,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain, IOutboxSink
{
    // Written through when storage answers, kept here (and written on the retry timer) when not.
    private KeptState<ServiceState> _kept = null!;

    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(1);
    private ServiceId _id = null!;
    private IGrainTimer? _retry;
    private Outbox _outbox = null!;
    private readonly ServiceJudge _judge = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = ServiceId.Parse(this.GetPrimaryKeyString());
        _kept = new KeptState<ServiceState>(state, GrainContext, health, logger, "service " + _id.Key);
        _outbox = new Outbox(time, this);
        if (state.State.Outbox.Count > 0)
        {
            // Stored transitions whose publishing this service never saw confirmed (its silo may have died).
            ScheduleRetry(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    Task IOutboxSink.Publish(long first, List<DriftTransition> batch) => GrainFactory.GetGrain<ITenantGrain>(_id.Tenant).Publish(_id, first, batch);

    void IOutboxSink.Detected(TimeSpan latency) => metrics.RecordDetection(latency, _id.Tenant, _id.Cluster);

    void IOutboxSink.Failed(Exception exception, int waiting)
    {
        LogPublishFailed(logger, exception, _id.Key, waiting);
        ScheduleRetry(RetryPeriod);
    }

    /// <summary>
    /// Whether the service holds both parts it judges. It holds neither when it is new to the
    /// code, or when its activation lost its stored state with a silo (memory storage); a part
    /// alone would read as everything missing or everything unmanaged.
    /// </summary>
    private bool HoldsBothParts => state.State.DesiredUpdates > 0 && state.State.LiveUpdates > 0;

    public async Task<DriftSummary?> Update(ServiceUpdate update)
    {
        if (!HoldsBothParts && (update.Desired is null || update.Live is null))
        {
            LogIncomplete(logger, _id.Key);
            return null;
        }

        using var activity = FabricTracing.Source.StartActivity("driftfabric.service.judge");
        activity?.SetTag("driftfabric.service", _id.Key);
        var received = time.GetTimestamp();
        // A resync sends what the service already holds: nothing is compressed again, and when
        // the judgement finds nothing new, nothing is written either.
        var unchanged = true;
        if (update.Desired is not null)
        {
            var before = state.State.Desired;
            state.State.Desired = StoredDocument.FromAll(update.Desired, before, out var same);
            state.State.Definitions = StoredDocument.FromAll(update.Definitions ?? [], state.State.Definitions, out var sameDefinitions);
            unchanged &= sameDefinitions;
            if (!sameDefinitions)
            {
                _judge.ForgetDefinitions();
            }

            var policy = update.Policy ?? state.State.Policy;
            unchanged &= same && policy.Hash == state.State.Policy.Hash;
            if (!same || policy.Hash != state.State.Policy.Hash)
            {
                // What was known of how each object was applied was judged against the old code.
                _judge.ForgetApplied();
                SecondChances.AfterNewCode(state.State, before, policy);
            }

            state.State.Policy = policy;
            state.State.DesiredUpdates++;
            unchanged &= update.Revision == state.State.DesiredRevision;
            state.State.DesiredRevision = update.Revision;
        }

        if (update.Live is not null)
        {
            state.State.Live = StoredDocument.FromAll(update.Live, state.State.Live, out var same);
            unchanged &= same;
            state.State.LiveUpdates++;
        }

        // Judged from the text just received (what was stored is the same, compressed).
        var transitions = Recompute(texts: new DocumentTexts(update.Desired, update.Live));
        if (unchanged && transitions.Count == 0 && state.State.Outbox.Count == 0)
        {
            return state.State.Summary;
        }

        // A load or reload answers once its transitions are in the log, so the summary a loader
        // reads next counts them; a watched change (ApplyLive) does not wait for the log.
        activity?.SetTag("driftfabric.transitions", transitions.Count);
        var summary = await CommitAsync(transitions, received);
        await _outbox.SendLoop;
        return summary;
    }

    public async Task<DriftSummary?> ApplyLive(IReadOnlyList<LiveDocumentChange> changes)
    {
        if (!HoldsBothParts)
        {
            LogIncomplete(logger, _id.Key);
            return null;
        }

        using var activity = FabricTracing.Source.StartActivity("driftfabric.service.judge");
        activity?.SetTag("driftfabric.service", _id.Key);
        var received = time.GetTimestamp();
        var live = state.State.Live.ToDictionary(d => d.Key, StringComparer.Ordinal);
        var transitions = new List<DriftTransition>();
        foreach (var change in changes)
        {
            if (change.Document is { } doc)
            {
                live[change.Key] = StoredDocument.From(doc);
            }
            else
            {
                live.Remove(change.Key);
            }

            state.State.Live = [.. live.Values];
            transitions.AddRange(Recompute([change.Key]));
        }

        state.State.Live = [.. live.Values.OrderBy(d => d.Key, StringComparer.Ordinal)];
        state.State.LiveUpdates++;
        activity?.SetTag("driftfabric.transitions", transitions.Count);
        return await CommitAsync(transitions, received);
    }

    public Task<IReadOnlyList<DriftTransition>> GetHistory() => Task.FromResult<IReadOnlyList<DriftTransition>>([.. state.State.History]);

    private async Task<DriftSummary> CommitAsync(List<DriftTransition> transitions, long received)
    {
        var toRevert = new List<(string, string)>();
        transitions.AddRange(PlanSelfHealing(transitions, toRevert));
        if (transitions.Count > 0)
        {
            _outbox.Add(state.State, transitions, received);
            SecondChances.AfterResolved(state.State, transitions);
            LogTransitions(logger, _id.Key, transitions.Count);
        }

        // Transitions are stored before they are sent (a silo's death then loses none). While
        // storage is down they wait here, in order, and later ones queue behind them.
        if (await _kept.TryWriteAsync())
        {
            StartSending();
        }
        else
        {
            ScheduleRetry(RetryPeriod);
        }

        RequestReverts(toRevert);
        return state.State.Summary;
    }

    /// <summary>
    /// The self-healing policy (<c>remediation: [{ action: revert }]</c>) for drifts just opened or
    /// changed: resources to revert now (into <paramref name="toRevert"/>), a retry after the
    /// backoff when one was reverted too recently, and a <c>contested</c> record (returned) for a
    /// resource reverted <c>maxReverts</c> times within the window, which is then left alone.
    /// </summary>
    private List<DriftTransition> PlanSelfHealing(List<DriftTransition> transitions, List<(string Resource, string Action)> toRevert)
    {
        var policy = policies.EngineFor(state.State.Policy, _id.Namespace).Policy;
        var plan = SelfHealing.Plan(policy, _id, transitions, state.State.Contested, state.State.Reverts, time.GetUtcNow());
        toRevert.AddRange(plan.Requests);
        if (plan.RetryIn is { } wait)
        {
            ScheduleSelfHealing(wait);
        }

        return plan.Records;
    }

    private IGrainTimer? _selfHealing;
    private DateTimeOffset _selfHealingDue;

    /// <summary>
    /// Looks at the drifts again once a backoff has passed. One timer serves every resource: it
    /// is due at the earliest wait, and that look schedules whatever still waits.
    /// </summary>
    private void ScheduleSelfHealing(TimeSpan wait)
    {
        var due = time.GetUtcNow() + wait;
        if (_selfHealing is not null && _selfHealingDue <= due)
        {
            return;
        }

        _selfHealing?.Dispose();
        _selfHealingDue = due;
        _selfHealing = this.RegisterGrainTimer(async () =>
        {
            _selfHealing?.Dispose();
            _selfHealing = null;
            var now = time.GetUtcNow();
            var standing = state.State.Drifts.Values.Select(d => new DriftTransition(DriftEventType.Changed, d, now)).ToList();
            var toRevert = new List<(string, string)>();
            var extra = PlanSelfHealing(standing, toRevert);
            if (extra.Count > 0 || toRevert.Count > 0)
            {
                await CommitAsync(extra, time.GetTimestamp());
                RequestReverts(toRevert);
            }
        }, new GrainTimerCreationOptions { DueTime = wait, Period = Timeout.InfiniteTimeSpan });
    }

    /// <summary>Asks the cluster's remediations to revert or adopt, without waiting: they ask this service for its inputs.</summary>
    private void RequestReverts(List<(string Resource, string Action)> requests)
    {
        foreach (var (resource, action) in requests)
        {
            _ = GrainFactory.GetGrain<IRemediationGrain>(ClusterKeys.Of(_id.Tenant, _id.Cluster))
                .RemediateInBackground(new RemediationRequest(_id, resource, action, DryRun: false, "policy"));
        }
    }

    /// <summary>
    /// Sends the outbox to the tenant's log in the background: the caller (a cluster delivering a
    /// watch batch) has its answer as soon as the transitions are stored (or kept, while storage
    /// is down), and does not wait for the log. Nothing is sent that is not stored; after a
    /// failure the retry timer sends again every second.
    /// </summary>
    private void StartSending()
    {
        if (_retry is null && !_kept.Unsaved)
        {
            _outbox.Start(state.State);
        }
    }

    /// <summary>Stores what was kept while storage was down (the timer ticks again until it is), then sends the outbox.</summary>
    private async Task RetrySendingAsync()
    {
        if (_kept.Unsaved && !await _kept.TryWriteAsync())
        {
            return;
        }

        _retry?.Dispose();
        _retry = null;
        StartSending();
    }

    private void ScheduleRetry(TimeSpan due) =>
        _retry ??= this.RegisterGrainTimer(RetrySendingAsync, new GrainTimerCreationOptions { DueTime = due, Period = RetryPeriod, KeepAlive = true });

    public Task<IReadOnlyList<DriftRecord>> GetDrifts() =>
        Task.FromResult<IReadOnlyList<DriftRecord>>([.. state.State.Drifts.Values.OrderBy(d => d.Resource, StringComparer.Ordinal).ThenBy(d => d.Path, StringComparer.Ordinal)]);

    public Task<IReadOnlyList<DriftRecord>?> GetResourceDrifts(string resource)
    {
        var drifts = state.State.Drifts.Values.Where(d => d.Resource == resource).OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
        var known = drifts.Count > 0 || state.State.Desired.Exists(d => d.Key == resource) || state.State.Live.Exists(d => d.Key == resource) || state.State.Proxies.Contains(resource);
        return Task.FromResult<IReadOnlyList<DriftRecord>?>(known ? drifts : null);
    }

    public Task<DriftSummary> GetSummary() => Task.FromResult(state.State.Summary);

    public Task<ServiceUpdateCounts> GetUpdateCounts() => Task.FromResult(new ServiceUpdateCounts(state.State.DesiredUpdates, state.State.LiveUpdates));

    /// <summary>Compares every resource of the service (or those that changed) and turns the difference from the last drift set into transitions.</summary>
    /// <param name="changed">The only resources that can have changed (watched changes), or null to judge them all.</param>
    /// <param name="texts">The documents as just received, one for each stored one, so they need not be decompressed.</param>
    private List<DriftTransition> Recompute(HashSet<string>? changed = null, DocumentTexts texts = default)
    {
        var now = time.GetUtcNow();
        var current = _judge.Judge(state.State, policies.EngineFor(state.State.Policy, _id.Namespace), changed, texts, now);
        var revisionMoved = DriftSet.StampRevision(current, state.State.DesiredRevision);
        return Transition(current, now, revisionMoved);
    }

    /// <summary>
    /// Makes <paramref name="current"/> the drift set: a drift keeps the onset it opened with;
    /// returns what opened, changed and resolved.
    /// </summary>
    /// <param name="revisionMoved">Some drift now names another revision than it was stored with: the set is kept anew.</param>
    private List<DriftTransition> Transition(Dictionary<string, DriftRecord> current, DateTimeOffset now, bool revisionMoved = false)
    {
        var previous = state.State.Drifts;
        var transitions = DriftSet.Transitions(previous, current, now);

        // Unchanged drifts and summary keep their objects: a resync of a million resources would
        // otherwise leave every service's old copies behind as long-lived garbage.
        if (transitions.Count > 0 || current.Count != previous.Count || revisionMoved)
        {
            state.State.Drifts = current;
        }

        var resources = state.State.Desired.Select(d => d.Key).Union(state.State.Live.Select(d => d.Key), StringComparer.Ordinal).Count() + state.State.Proxies.Count;
        var summary = DriftSet.Summarize(resources, current.Values);
        if (summary != state.State.Summary)
        {
            state.State.Summary = summary;
        }

        return transitions;
    }

    public Task<IReadOnlyList<ResourceState>> GetRemediationInputs(string? resource) =>
        Task.FromResult<IReadOnlyList<ResourceState>>(ServiceRemediation.Inputs(state.State, resource));

    public async Task RecordRemediation(string resource, RemediationNote note, IReadOnlyList<DriftRecord> drifts)
    {
        var received = time.GetTimestamp();
        await CommitAsync(ServiceRemediation.Remediated(resource, note, drifts, time.GetUtcNow()), received);
    }

    public async Task<DriftSummary> ApplyProxy(string resource, IReadOnlyList<DriftRecord>? drifts)
    {
        var received = time.GetTimestamp();
        var fronted = state.State.Proxies.Contains(resource);
        if (drifts is null && !fronted)
        {
            return state.State.Summary;
        }

        if (drifts is null)
        {
            state.State.Proxies.Remove(resource);
        }
        else if (!fronted)
        {
            state.State.Proxies.Add(resource);
        }

        var transitions = Transition(DriftSet.WithResource(state.State.Drifts, resource, drifts), time.GetUtcNow());
        return transitions.Count == 0 && fronted == drifts is not null && state.State.Outbox.Count == 0
            ? state.State.Summary
            : await CommitAsync(transitions, received);
    }

    [LoggerMessage(EventId = LogEvents.ServicePublishFailed, Level = LogLevel.Warning, Message = "Service {Service} could not publish {Count} transitions; they are kept and sent again")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string service, int count);

    [LoggerMessage(EventId = LogEvents.ServiceIncomplete, Level = LogLevel.Information, Message = "Service {Service} does not hold both its desired and its live state; it asks its cluster for the whole of it")]
    private static partial void LogIncomplete(ILogger logger, string service);

    [LoggerMessage(EventId = LogEvents.ServiceTransitions, Level = LogLevel.Debug, Message = "Service {Service} has {Count} drift transitions")]
    private static partial void LogTransitions(ILogger logger, string service, int count);
}
