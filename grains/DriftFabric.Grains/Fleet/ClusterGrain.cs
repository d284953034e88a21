using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// One cluster (key <c>tenant/cluster</c>): reads its desired and live sources, sends each service
/// grain only its own documents and only when they changed, and rolls the services' summaries
/// up to the tenant. It holds hashes and counts, never the documents themselves.
/// </summary>
[GrainType("driftfabric.cluster"), WatchPlacement]
public sealed class ClusterGrain(
    [PersistentState("cluster", StorageNames.Grains)] IPersistentState<ClusterState> state,
    IClusterMembershipService membership,
    TimeProvider time,
    FabricMetrics metrics,
    FabricHealth health,
    SecretDigest digest,
    ClusterLoadGate loadGate,
    IClusterSourceFactory sources,
    ILogger<ClusterGrain> logger) : Grain, IClusterGrain, IRemindable
{
    /// <summary>The durable watchdog: fires on some silo even if every silo that knew this cluster died.</summary>
    private const string WatchdogReminder = "watchdog";
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMinutes(1);

    /// <summary>How soon a failed or refused update is sent again, when the poll interval is longer.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ClusterTables _tables = new();
    private string _key = string.Empty;

    // Written through when storage answers, kept here (and written at the next reload) when not.
    private KeptState<ClusterState> _kept = null!;
    private ClusterSourceSet _sources = null!;
    private ClusterServices _services = null!;
    private ClusterProxies _proxies = null!;
    private TenantReport _report = null!;
    private ClusterRecovery _recovery = null!;

    private IGrainTimer? _poll;
    private OnceTimer _retrySoon = null!;
    private bool _reminderRegistered;

    /// <summary>Reload at the next poll even if no source moved.</summary>
    private bool _retry;

    /// <summary>Re-list a followed source at the next reload (a service must be sent its whole state).</summary>
    private bool _resync;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        _kept = new KeptState<ClusterState>(state, GrainContext, health, logger, "cluster " + _key);
        _proxies = new ClusterProxies(GrainFactory, _tables.RollUp, ServiceFailed);
        _sources = new ClusterSourceSet(sources, digest);
        _services = new ClusterServices(GrainFactory, _tables, ServiceFailed);
        _report = new TenantReport(GrainFactory, metrics, logger, _key);
        _recovery = new ClusterRecovery(new OnceTimer((callback, options) => this.RegisterGrainTimer(callback, options)), ResendAll, _services, _report);
        _retrySoon = new OnceTimer((callback, options) => this.RegisterGrainTimer(callback, options));
        if (state.State.Config is { } config)
        {
            // Back after a deactivation or a silo's death: load (and re-list) once to rebuild the tables.
            StartPolling(config.PollInterval);
            await Reload();
        }
    }

    public async Task<ClusterSummary> Configure(ClusterConfig config)
    {
        var changed = state.State.Config is not { } previous || !ClusterTables.SameJudgement(previous, config);
        state.State.Config = config;
        if (changed)
        {
            // A new policy or source: every service is judged again.
            _tables.ForgetSent();
        }

        StartPolling(config.PollInterval);
        await RegisterWatchdog();
        return await Reload();
    }

    public async Task<ClusterSummary> EnsureWatching(ClusterConfig config)
    {
        if (MoveToOwner())
        {
            return Summary();
        }

        await _recovery.AfterMembershipChangeAsync(membership.CurrentSnapshot, state.State.Config, Summary);
        var watching = _poll is not null && _sources.Live is { Source.Running: true };
        return watching && state.State.Config is { } current && ClusterTables.SameJudgement(current, config) && current.PollInterval == config.PollInterval
            ? Summary()
            : await Configure(config);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation alone brings the watch back (OnActivateAsync); this also moves it to its owner.
        _reminderRegistered = true;
        if (state.State.Config is { } config)
        {
            await EnsureWatching(config);
        }
    }

    private async Task RegisterWatchdog()
    {
        if (_reminderRegistered)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(WatchdogReminder, WatchdogPeriod, WatchdogPeriod);
            _reminderRegistered = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The silo watchdogs still bring the cluster back; the next configure tries again.
            ClusterLog.ReminderFailed(logger, e, _key);
        }
    }

    /// <summary>
    /// When the active silos changed and another one now owns this cluster (a silo joined), the
    /// grain moves there once idle: it stops watching here and re-lists there.
    /// </summary>
    private bool MoveToOwner()
    {
        // A new activation must read its state: while storage is down it would not start at all,
        // and the watch would stop until storage is back. It stays and moves later.
        if (!health.IsHealthy(FabricHealth.Storage))
        {
            return false;
        }

        if (WatchOwners.BelongsElsewhere(membership.CurrentSnapshot, this.GetGrainId().Key.ToString()!, GrainContext.Address.SiloAddress))
        {
            ClusterLog.Moving(logger, _key);
            this.MigrateOnIdle();
            return true;
        }

        return false;
    }

    /// <summary>Sends every service its whole state again, re-listing a followed source.</summary>
    private Task ResendAll(CancellationToken cancellationToken)
    {
        _tables.ForgetSent();
        _resync = true;
        _retry = true;
        return Poll(cancellationToken);
    }

    public Task<ClusterSummary> Resync()
    {
        _tables.ForgetSent();
        _resync = true;
        return Reload();
    }

    public async Task<ClusterSummary> Reload()
    {
        var config = state.State.Config ?? throw new InvalidOperationException($"cluster {_key} is not configured");
        var (desired, live) = await _sources.ForAsync(config);
        return await ReloadAsync(config, desired, live, ClusterSourceSet.Fingerprint(desired, live));
    }

    /// <param name="fingerprint">The sources' fingerprint, taken before they are read (one load at a time per place in the silo's <see cref="ClusterLoadGate"/>).</param>
    private Task<ClusterSummary> ReloadAsync(ClusterConfig config, IDesiredSource desired, ClusterLive live, string fingerprint) =>
        loadGate.RunAsync(() => ReloadGatedAsync(config, desired, live, fingerprint));

    private async Task<ClusterSummary> ReloadGatedAsync(ClusterConfig config, IDesiredSource desired, ClusterLive live, string fingerprint)
    {
        using var activity = FabricTracing.Source.StartActivity("driftfabric.cluster.reload");
        activity?.SetTag("driftfabric.cluster", _key);
        _retry = false;
        LiveRouter router = null!;
        var load = await Task.Run(() => ClusterSources.Load(config, digest, desired, live.Source, out router));
        if (load.DesiredUsable)
        {
            await FollowLive(live, load, router);
        }

        var readable = load.DesiredUsable && (load.LiveUsable || load.LiveUnchanged);
        if (state.State.Services.Count > _tables.RollUp.Count && !readable)
        {
            // An activation that cannot read its sources: the services still hold what they judged
            // (asked again at every poll for those that could not answer yet, e.g. just after their silo died).
            await _services.RecoverRollUpAsync(state.State.Services);
        }

        live.AddServedDefinitions(load);

        var sent = await SendToServices(config, load);
        var status = StatusAfter(load);
        // Only sources that could be read say which services the cluster has: a roll-up recovered
        // in part (a service that could not answer yet) never shrinks the stored list.
        var servicesChanged = readable && KnowServices();
        var dirty = sent > 0 || servicesChanged || fingerprint != state.State.Fingerprint || status != state.State.Status || _kept.Unsaved;
        state.State.Fingerprint = fingerprint;
        state.State.Status = status;
        if (load.DesiredUsable && load.DesiredRevision != state.State.DesiredRevision)
        {
            state.State.DesiredRevision = load.DesiredRevision;
            dirty = true;
        }

        var summary = Summary();
        if (dirty)
        {
            await _kept.TryWriteAsync();
            await _report.SendAsync(config, summary);
        }

        ClusterLog.Reloaded(logger, _key, sent, load.Errors.Count);
        return summary;
    }

    public Task<ClusterSummary> GetSummary() => Task.FromResult(Summary());

    /// <summary>Keeps the stored list of services in step with the roll-up; true when it changed (and must be stored).</summary>
    private bool KnowServices()
    {
        if (state.State.Services.SetEquals(_tables.RollUp.Lines.Keys))
        {
            return false;
        }

        state.State.Services = new HashSet<string>(_tables.RollUp.Lines.Keys, StringComparer.Ordinal);
        return true;
    }

    public Task<string> GetSilo() => Task.FromResult(GrainContext.Address.SiloAddress?.ToString() ?? "unknown");

    public Task<IReadOnlyList<ServiceSummary>> GetServices() => Task.FromResult(_tables.RollUp.Services());

    /// <summary>Sends each service whose documents changed its new state; returns how many were sent.</summary>
    private async Task<int> SendToServices(ClusterConfig config, ClusterLoad load)
    {
        var sends = await _services.SendAsync(config, load, ClusterProxies.Fronted(state.State), _sources.Live is { Source.Follows: true });
        if (sends.SendAgain > 0)
        {
            _resync = true;
        }

        if (sends.SendAgainSoon > 0)
        {
            RetrySoon();
        }

        return sends.Sent;
    }

    /// <summary>
    /// Reloads at the next poll, and within <see cref="RetryDelay"/> when polls are further apart:
    /// a cluster polled every ten minutes must not leave a service without its state that long.
    /// </summary>
    private void RetrySoon()
    {
        _retry = true;
        if (state.State.Config is { } config && config.PollInterval > RetryDelay)
        {
            _retrySoon.Start(RetryDelay, Poll);
        }
    }

    private void ServiceFailed(string service, Exception e) => ClusterLog.ServiceFailed(logger, e, service);

    /// <summary>
    /// Starts (or keeps) a followed live source's stream. A new or changed set of kinds and
    /// namespaces means a full list (a complete live state, sent with snapshot semantics), then a
    /// stream whose changes come back through <see cref="ObserveLive"/>. A polled source has nothing to follow.
    /// </summary>
    private async Task FollowLive(ClusterLive live, ClusterLoad load, LiveRouter router)
    {
        var relist = _resync;
        _resync = false;
        var self = this.AsReference<IClusterGrain>();
        await live.FollowAsync(load, router, relist, changes => self.ObserveLive(changes), problem => self.ReportLiveHealth(problem));
    }

    public async Task ObserveLive(IReadOnlyList<LiveDocumentChange> changes)
    {
        using var activity = FabricTracing.Source.StartActivity("driftfabric.watch.event");
        activity?.SetTag("driftfabric.cluster", _key);
        activity?.SetTag("driftfabric.changes", changes.Count);
        if (_sources.Live is not { Routing: true } live)
        {
            return;
        }

        // Per service, in the order they happened; a service that missed one is sent its whole state by a re-list.
        var byService = live.Split(changes);
        if (await _services.ApplyLiveAsync(byService) > 0)
        {
            _resync = true;
            RetrySoon();
        }

        if (byService.Count > 0)
        {
            await ReportIfChanged();
        }
    }

    public async Task ReportLiveHealth(string? problem)
    {
        var next = ClusterRollUp.StatusAfterStream(state.State.Status, problem, time.GetUtcNow());
        if (next != state.State.Status)
        {
            state.State.Status = next;
            await _kept.TryWriteAsync();
            if (state.State.Config is { } config)
            {
                await _report.SendAsync(config, Summary());
            }
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (state.State.Config is { } config)
        {
            metrics.ForgetCluster(config.Tenant, config.Cluster);
        }

        await _sources.CloseAsync();
    }

    private SourceStatus StatusAfter(ClusterLoad load) =>
        ClusterRollUp.StatusAfter(state.State.Status, load, knowsNothing: _tables.DesiredHashes.Count == 0 && _tables.RollUp.Count == 0, time.GetUtcNow());

    /// <summary>The roll-up; a proxy that cannot be read makes the cluster degraded, with the proxy's error among the cluster's.</summary>
    private ClusterSummary Summary() =>
        _tables.RollUp.Summary(state.State.Config?.Cluster ?? _key, state.State.Status, state.State.Proxies, state.State.ProxiesHeld) with { DesiredRevision = state.State.DesiredRevision };

    public async Task ObserveProxy(ProxyReport report)
    {
        var (changed, failed) = await _proxies.ObserveAsync(state.State, report);
        if (changed)
        {
            await _kept.TryWriteAsync();
        }

        await ReportIfChanged();
        if (failed > 0)
        {
            throw new InvalidOperationException($"proxy {report.Status.Name}: {failed} of its services could not be given its drift; it reports again at its next poll");
        }
    }

    public async Task ForgetProxy(string proxy)
    {
        switch (await _proxies.ForgetAsync(state.State, proxy))
        {
            case null:
                return;
            case > 0 and var failed:
                throw new InvalidOperationException($"proxy {proxy}: {failed} of its services could not have its drift withdrawn");
        }

        await _kept.TryWriteAsync();
        await ReportIfChanged();
    }

    public Task<ClusterConfig?> GetConfig() => Task.FromResult(state.State.Config);

    public Task<bool> RefreshDesired()
    {
        // The source looks now; a new commit moves its fingerprint, and the next poll reads it.
        if (_sources.Desired is not { } desired)
        {
            return Task.FromResult(false);
        }

        desired.Refresh();
        return Task.FromResult(true);
    }

    public Task<WatchedTarget?> GetWatchedTarget(string resource) => Task.FromResult(_sources.Live?.TargetOf(resource));

    public Task<IReadOnlyList<ProxyStatus>> GetProxies() =>
        Task.FromResult<IReadOnlyList<ProxyStatus>>([.. state.State.Proxies.Values.OrderBy(p => p.Name, StringComparer.Ordinal)]);

    private Task ReportIfChanged() => state.State.Config is { } config ? _report.SendIfChangedAsync(config, Summary()) : Task.CompletedTask;

    private void StartPolling(TimeSpan interval)
    {
        _poll?.Dispose();
        _poll = this.RegisterGrainTimer(Poll, new GrainTimerCreationOptions { DueTime = interval, Period = interval, KeepAlive = true });
    }

    /// <summary>Reloads when any file of either source changed size or modification time.</summary>
    private async Task Poll(CancellationToken cancellationToken)
    {
        if (state.State.Config is not { } config)
        {
            return;
        }

        try
        {
            var (desired, live) = await _sources.ForAsync(config);
            var fingerprint = ClusterSourceSet.Fingerprint(desired, live);
            if (_retry || fingerprint != state.State.Fingerprint || !live.Source.Running)
            {
                await ReloadAsync(config, desired, live, fingerprint);
            }
            else if (_report.Pending)
            {
                await _report.SendAsync(config, Summary());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever failed (a file, storage, another silo), it is tried again soon.
            RetrySoon();
            ClusterLog.PollFailed(logger, e, _key);
        }
    }
}
