using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Grains.Kubernetes;
using DriftFabric.Grains.Remediation;
using k8s;
using DriftFabric.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.ClusterState")]
public sealed class ClusterState
{
    [Id(0)]
    public ClusterConfig? Config { get; set; }

    [Id(4)]
    public SourceStatus Status { get; set; } = new(SourceState.Pending, null, [], null);

    [Id(5)]
    public string? Fingerprint { get; set; }

    /// <summary>The cluster's proxies as they last reported (by name): the services they front, and their state.</summary>
    [Id(6)]
    public Dictionary<string, ProxyStatus> Proxies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The proxies whose drifts (their resource) the services they front hold: those judged at least once.</summary>
    [Id(7)]
    public HashSet<string> ProxiesHeld { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The services the cluster rolls up (their keys): what a new activation asks for their
    /// summaries when its sources cannot be read (a broken snapshot, an API server down), so a
    /// degraded cluster keeps its roll-up through the death of its silo.
    /// </summary>
    [Id(8)]
    public HashSet<string> Services { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// What a cluster knows while it is active: per service the hashes of what it was last sent and
/// its summary. Not stored: a large cluster's tables would stall its watch every time they were
/// written, and an activation rebuilds them by loading its sources once (services that are sent
/// what they already hold change nothing).
/// </summary>
internal sealed class ClusterTables
{
    public Dictionary<string, UInt128> DesiredHashes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, UInt128> LiveHashes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, DriftSummary> Services { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One cluster (key <c>tenant/cluster</c>): reads its desired and live sources, sends each service
/// grain only its own documents and only when they changed, and rolls the services' summaries
/// up to the tenant. It holds hashes and counts, never the documents themselves.
/// </summary>
[GrainType("driftfabric.cluster"), WatchPlacement]
public sealed partial class ClusterGrain(
    [PersistentState("cluster", StorageNames.Grains)] IPersistentState<ClusterState> state,
    IClusterMembershipService membership,
    TimeProvider time,
    FabricMetrics metrics,
    FabricHealth health,
    Engine.Comparison.SecretDigest digest,
    ClusterLoadGate loadGate,
    ILogger<ClusterGrain> logger) : Grain, IClusterGrain, IRemindable
{
    // Written through when storage answers, kept here (and written at the next reload) when not.
    private KeptState<ClusterState> _kept = null!;

    /// <summary>The durable watchdog: fires on some silo even if every silo that knew this cluster died.</summary>
    private const string WatchdogReminder = "watchdog";
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMinutes(1);
    private MembershipVersion _membershipSeen = MembershipVersion.MinValue;
    private int _deadSeen;
    private IGrainTimer? _settled;

    /// <summary>How long after a silo's death the services are sent their state again (<see cref="ResyncOnceSettled"/>).</summary>
    internal static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(5);
    private bool _reminderRegistered;

    private readonly ClusterTables _tables = new();
    private IGrainTimer? _poll;
    private string _key = string.Empty;
    private KubernetesLiveSource? _source;

    // The CustomResourceDefinitions the watched API server serves for the custom kinds watched, by group/Kind.
    private Dictionary<string, ResourceDocument> _servedDefinitions = new(StringComparer.Ordinal);
    private List<string> _definitionErrors = [];
    private IKubernetes? _client;

    /// <summary>The last remediation asked: remediations interleave with the cluster's other calls, not with each other.</summary>
    private Task _remediating = Task.CompletedTask;
    private LiveRouter? _router;
    private readonly Dictionary<string, string> _liveRoutes = new(StringComparer.Ordinal);
    private bool _retry;
    private DriftSummary? _total;
    private bool _resync;
    private ClusterSummary? _reported;
    private bool _reportPending;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        _kept = new KeptState<ClusterState>(state, GrainContext, health, logger, "cluster " + _key);
        if (state.State.Config is { } config)
        {
            // Back after a deactivation or a silo's death: load (and re-list) once to rebuild the tables.
            StartPolling(config.PollInterval);
            await Reload();
        }
    }

    public async Task<ClusterSummary> Configure(ClusterConfig config)
    {
        var changed = state.State.Config is not { } previous || !SameJudgement(previous, config);
        state.State.Config = config;
        if (changed)
        {
            // A new policy or source: every service is judged again.
            _tables.DesiredHashes.Clear();
            _tables.LiveHashes.Clear();
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

        await RecoverServicesAfterMembershipChange();
        var watching = _poll is not null && (config.Kube is null || _source is not null);
        return watching && state.State.Config is { } current && SameJudgement(current, config) && current.PollInterval == config.PollInterval
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
            LogReminderFailed(logger, e, _key);
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

        var active = WatchOwners.Active(membership.CurrentSnapshot);
        if (active.Count > 1 && !WatchOwners.Owner(this.GetGrainId().Key.ToString()!, active).Equals(GrainContext.Address.SiloAddress))
        {
            LogMoving(logger, _key);
            this.MigrateOnIdle();
            return true;
        }

        return false;
    }

    /// <summary>
    /// After a silo left, some of this cluster's services may have lost their activation with
    /// transitions stored but unconfirmed in the tenant's log: touching each one reactivates it,
    /// and a reactivated service sends what it holds. The tenant is sent the roll-up again.
    /// </summary>
    private async Task RecoverServicesAfterMembershipChange()
    {
        var snapshot = membership.CurrentSnapshot;
        if (snapshot.Version == _membershipSeen)
        {
            return;
        }

        var first = _membershipSeen == MembershipVersion.MinValue;
        _membershipSeen = snapshot.Version;
        var dead = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead);
        var died = dead > _deadSeen;
        _deadSeen = dead;
        if (died)
        {
            ResyncOnceSettled();
        }

        if (first || dead == 0)
        {
            return;
        }

        await Task.WhenAll(_tables.Services.Keys.Select(async service =>
        {
            try
            {
                await GrainFactory.GetGrain<IServiceGrain>(service).GetSummary();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogServiceFailed(logger, e, service);
            }
        }));

        // The tenant may have died too, and come back with the roll-ups it last stored (it stores
        // them every few seconds): it is told this cluster's again.
        if (state.State.Config is { } config)
        {
            await ReportToTenant(config, Summary());
        }
    }

    /// <summary>
    /// A silo died (for a new activation: the membership lists a dead silo). In that moment
    /// Orleans' directory loses the entries the dead silo held, and a service can be activated a
    /// second time beside a live one; the one that stays may hold state its twin changed since (a
    /// drift whose resolution went to the twin), and would answer with it until its next change.
    /// Once the fabric has settled, every service is sent its whole state again: a stale twin's
    /// write meets the newer version in storage and stands down, and the update is sent again to
    /// an activation that reads what is stored. A change lost in the failover is caught the same way.
    /// </summary>
    private void ResyncOnceSettled()
    {
        _settled?.Dispose();
        _settled = this.RegisterGrainTimer(async cancellationToken =>
        {
            _settled?.Dispose();
            _settled = null;
            _tables.DesiredHashes.Clear();
            _tables.LiveHashes.Clear();
            _resync = true;
            _retry = true;
            await Poll(cancellationToken);
        }, new GrainTimerCreationOptions { DueTime = SettleDelay, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
    }

    /// <summary>True when both configurations read the same sources and judge them the same way.</summary>
    private static bool SameJudgement(ClusterConfig a, ClusterConfig b) =>
        a.DesiredPath == b.DesiredPath && a.LivePath == b.LivePath && a.DefaultNamespace == b.DefaultNamespace
        && a.Policy.Hash == b.Policy.Hash && a.ServiceLabels.SequenceEqual(b.ServiceLabels) && a.Kube == b.Kube;

    public Task<ClusterSummary> Resync()
    {
        _tables.DesiredHashes.Clear();
        _tables.LiveHashes.Clear();
        _resync = true;
        return Reload();
    }

    public Task<ClusterSummary> Reload()
    {
        var config = state.State.Config ?? throw new InvalidOperationException($"cluster {_key} is not configured");
        return ReloadAsync(config, ClusterSources.Fingerprint(config));
    }

    /// <param name="fingerprint">The sources' fingerprint, taken before they are read (one load at a time per place in the silo's <see cref="ClusterLoadGate"/>).</param>
    private Task<ClusterSummary> ReloadAsync(ClusterConfig config, string fingerprint) => loadGate.RunAsync(() => ReloadGatedAsync(config, fingerprint));

    private async Task<ClusterSummary> ReloadGatedAsync(ClusterConfig config, string fingerprint)
    {
        using var activity = FabricTracing.Source.StartActivity("driftfabric.cluster.reload");
        activity?.SetTag("driftfabric.cluster", _key);
        _retry = false;
        LiveRouter router = null!;
        var load = await Task.Run(() => ClusterSources.Load(config, digest, out router));
        if (config.Kube is { } kube && load.DesiredUsable)
        {
            await SyncLive(config, kube, load, router);
        }

        var readable = load.DesiredUsable && (load.LiveUsable || load.LiveUnchanged);
        if (state.State.Services.Count > _tables.Services.Count && !readable)
        {
            // An activation that cannot read its sources: the services still hold what they judged
            // (asked again at every poll for those that could not answer yet, e.g. just after their silo died).
            await RecoverRollUp();
        }

        // What the watched API server serves is the schema its objects were defaulted with; the
        // definitions it could not give stand as errors for as long as the watch does.
        foreach (var (kind, definition) in _servedDefinitions)
        {
            load.Definitions[kind] = definition;
        }

        load.Errors.AddRange(_definitionErrors);
        load.PartlyUsable |= _definitionErrors.Count > 0;

        var sent = await Route(config, load);
        var status = StatusAfter(load);
        // Only sources that could be read say which services the cluster has: a roll-up recovered
        // in part (a service that could not answer yet) never shrinks the stored list.
        var servicesChanged = readable && KnowServices();
        var dirty = sent > 0 || servicesChanged || fingerprint != state.State.Fingerprint || status != state.State.Status || _kept.Unsaved;
        state.State.Fingerprint = fingerprint;
        state.State.Status = status;
        var summary = Summary();
        if (dirty)
        {
            await _kept.TryWriteAsync();
            await ReportToTenant(config, summary);
        }

        LogReloaded(logger, _key, sent, load.Errors.Count);
        return summary;
    }

    public Task<ClusterSummary> GetSummary() => Task.FromResult(Summary());

    /// <summary>Keeps the stored list of services in step with the roll-up; true when it changed (and must be stored).</summary>
    private bool KnowServices()
    {
        if (state.State.Services.SetEquals(_tables.Services.Keys))
        {
            return false;
        }

        state.State.Services = new HashSet<string>(_tables.Services.Keys, StringComparer.Ordinal);
        return true;
    }

    /// <summary>
    /// Rebuilds the roll-up from the services this cluster knew (their stored state outlives any
    /// silo), for an activation whose sources cannot be read now. A service that cannot answer yet
    /// is asked again at the next poll.
    /// </summary>
    private async Task RecoverRollUp()
    {
        var summaries = await Task.WhenAll(state.State.Services.Where(s => !_tables.Services.ContainsKey(s)).Select(async service =>
        {
            try
            {
                return (service, await GrainFactory.GetGrain<IServiceGrain>(service).GetSummary());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogServiceFailed(logger, e, service);
                return (service, (DriftSummary?)null);
            }
        }));
        foreach (var (service, summary) in summaries)
        {
            if (summary is { Services: > 0 })
            {
                SetService(service, summary);
            }
        }
    }

    /// <summary>
    /// Sends the roll-up to the tenant. A failure (the tenant's silo just died) never aborts the
    /// work around it: the next poll sends the roll-up again.
    /// </summary>
    private async Task ReportToTenant(ClusterConfig config, ClusterSummary summary)
    {
        metrics.ReportCluster(config.Tenant, summary);
        _reported = summary;
        try
        {
            await GrainFactory.GetGrain<ITenantGrain>(config.Tenant).ReportCluster(summary);
            _reportPending = false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _reportPending = true;
            LogReportFailed(logger, e, _key);
        }
    }

    public Task<string> GetSilo() => Task.FromResult(GrainContext.Address.SiloAddress?.ToString() ?? "unknown");

    public Task<IReadOnlyList<ServiceSummary>> GetServices() =>
        Task.FromResult<IReadOnlyList<ServiceSummary>>([.. _tables.Services
            .Where(s => s.Value.Services > 0)
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new ServiceSummary(ServiceId.Parse(s.Key), s.Value))]);

    /// <summary>Sends each service whose documents changed its new state, in parallel; returns how many were sent.</summary>
    private async Task<int> Route(ClusterConfig config, ClusterLoad load)
    {
        // Before the first usable live snapshot, desired state alone would read as "everything missing".
        var firstLoad = _tables.LiveHashes.Count == 0 && _tables.DesiredHashes.Count == 0;
        if (firstLoad && !(load.DesiredUsable && load.LiveUsable))
        {
            return 0;
        }

        // Services that only proxies give resources to are asked too: a cluster that came back has no line for them yet.
        var services = load.Services.Union(_tables.Services.Keys, StringComparer.Ordinal)
            .Union(state.State.Proxies.Values.SelectMany(p => p.Services).Select(s => s.Key), StringComparer.Ordinal).ToList();
        var calls = new List<Task<(string Service, DriftSummary? Summary, Exception? Error)>>();
        foreach (var service in services)
        {
            var update = ChangesFor(config, load, service);
            if (update is not null)
            {
                calls.Add(Send(service, update));
            }
        }

        foreach (var (service, summary, error) in await Task.WhenAll(calls))
        {
            if (error is not null)
            {
                // Not sent: forget what it was sent, so the next reload (soon) sends it again. A
                // watched cluster keeps no documents, so that reload re-lists.
                ForgetSent(service);
                load.Errors.Add($"service {service} could not be updated: {error.Message}");
                load.SendFailed = true;
                RetrySoon();
            }
            else if (summary is null)
            {
                // The service holds no state to apply one part to (new to the code, or its state
                // was lost with a silo): it is sent both parts, at once where both can be read.
                ForgetSent(service);
                if (config.Kube is not null || (load.DesiredUsable && load.LiveUsable))
                {
                    RetrySoon();
                }
            }
            else if (summary.Services == 0)
            {
                SetService(service, null);
            }
            else
            {
                SetService(service, summary);
            }
        }

        return calls.Count;
    }

    private ServiceUpdate? ChangesFor(ClusterConfig config, ClusterLoad load, string service)
    {
        IReadOnlyList<ResourceDocument>? desired = null;
        IReadOnlyList<ResourceDocument>? live = null;
        IReadOnlyList<ResourceDocument>? definitions = null;
        if (load.DesiredUsable)
        {
            var docs = load.Desired.GetValueOrDefault(service) ?? [];
            var kinds = ClusterSources.DefinitionsFor(load, docs);
            var hash = ClusterSources.Hash([.. docs, .. kinds], config.Policy.Hash);
            if (!_tables.DesiredHashes.TryGetValue(service, out var sent) || sent != hash)
            {
                desired = docs;
                definitions = kinds;
                _tables.DesiredHashes[service] = hash;
            }
        }

        if (load.LiveUsable)
        {
            var docs = load.Live.GetValueOrDefault(service) ?? [];
            var hash = ClusterSources.Hash(docs);
            if (!_tables.LiveHashes.TryGetValue(service, out var sent) || sent != hash)
            {
                live = docs;
                _tables.LiveHashes[service] = hash;
            }
        }

        return desired is null && live is null ? null : new ServiceUpdate(desired, desired is null ? null : config.Policy, live, definitions);
    }

    /// <summary>Forgets what a service was sent, so that the next reload sends it both parts (after a re-list, for a watched cluster).</summary>
    private void ForgetSent(string service)
    {
        _tables.DesiredHashes.Remove(service);
        _tables.LiveHashes.Remove(service);
        _resync = true;
    }

    /// <summary>How soon a failed or refused update is sent again, when the poll interval is longer.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private IGrainTimer? _retryTimer;

    /// <summary>
    /// Reloads at the next poll, and within <see cref="RetryDelay"/> when polls are further apart:
    /// a cluster polled every ten minutes must not leave a service without its state that long.
    /// </summary>
    private void RetrySoon()
    {
        _retry = true;
        if (_retryTimer is null && state.State.Config is { } config && config.PollInterval > RetryDelay)
        {
            _retryTimer = this.RegisterGrainTimer(async cancellationToken =>
            {
                _retryTimer?.Dispose();
                _retryTimer = null;
                await Poll(cancellationToken);
            }, new GrainTimerCreationOptions { DueTime = RetryDelay, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
        }
    }

    private async Task<(string, DriftSummary?, Exception?)> Send(string service, ServiceUpdate update)
    {
        try
        {
            return (service, await GrainFactory.GetGrain<IServiceGrain>(service).Update(update), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogServiceFailed(logger, e, service);
            return (service, null, e);
        }
    }

    /// <summary>
    /// Starts (or keeps) the cluster's watch. A new or changed set of kinds and namespaces means
    /// discovery, a full list of every target (a complete live state, sent with snapshot
    /// semantics), then one watch per target whose changes come back through <see cref="ObserveLive"/>.
    /// </summary>
    private async Task SyncLive(ClusterConfig config, KubeEndpoint kube, ClusterLoad load, LiveRouter router)
    {
        _router = router;
        var resync = _resync;
        _resync = false;
        if (_source is not null && !resync && SameScope(_source, router))
        {
            load.LiveUsable = false;
            load.LiveUnchanged = true;
            return;
        }

        await StopWatching();
        try
        {
            _client ??= new k8s.Kubernetes(ClientConfiguration(kube));
            var client = _client;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var (targets, errors) = await Task.Run(() => KubeDiscovery.ResolveAsync(client, router.Kinds, router.Namespaces, timeout.Token));
            load.Errors.AddRange(errors.Select(e => "live " + e));
            var (definitions, definitionErrors) = await Task.Run(() => KubeDiscovery.DefinitionsAsync(client, targets, config.Cluster, timeout.Token));
            _servedDefinitions = definitions;
            _definitionErrors = [.. definitionErrors.Select(e => "live " + e)];
            var source = new KubernetesLiveSource(client, targets, new LiveSourceOptions(kube.Qps, kube.Burst), logger);
            var objects = await Task.Run(() => source.SyncAllAsync(timeout.Token));
            _liveRoutes.Clear();
            foreach (var (key, obj) in objects)
            {
                var manifest = new Manifest(obj, new SourceLocation(config.Cluster, 0));
                if (ResourceKey.TryParse(key, out var resource) && router.Route(resource, manifest) is { } service)
                {
                    _liveRoutes[key] = service;
                    ClusterSources.Add(load.Live, service, resource, manifest, digest);
                }
            }

            load.LiveUsable = true;
            var self = this.AsReference<IClusterGrain>();
            source.StartWatching(changes => self.ObserveLive(Documents(config, changes)), problem => self.ReportLiveHealth(problem));
            _source = source;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or k8s.Autorest.HttpOperationException or k8s.Exceptions.KubeConfigException
            or OperationCanceledException or InvalidDataException or k8s.KubernetesException)
        {
            load.LiveUsable = false;
            load.LiveUnreachable = true;
            load.Errors.Add($"live {config.Cluster}: unreachable: {e.Message}");
            LogUnreachable(logger, e, _key);
        }
    }

    private static bool SameScope(KubernetesLiveSource source, LiveRouter router) =>
        source.Targets.Select(t => (t.Group.Length == 0 ? "core" : t.Group, t.Kind)).Distinct().Order().SequenceEqual(router.Kinds.Order())
        && source.Targets.Where(t => t.Namespace is not null).Select(t => t.Namespace!).Distinct().Order(StringComparer.Ordinal)
            .SequenceEqual(router.Namespaces.Order(StringComparer.Ordinal));

    private static KubernetesClientConfiguration ClientConfiguration(KubeEndpoint kube) => kube.InCluster
        ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile(kube.Kubeconfig, currentContext: kube.Context);

    private List<LiveDocumentChange> Documents(ClusterConfig config, IReadOnlyList<LiveChange> changes) =>
        [.. changes.Select(c => new LiveDocumentChange(c.Key, c.Object is { } obj && ResourceKey.TryParse(c.Key, out var key)
            ? ClusterSources.Document(key, new Manifest(obj, new SourceLocation(config.Cluster, 0)), digest)
            : null))];

    public async Task ObserveLive(IReadOnlyList<LiveDocumentChange> changes)
    {
        using var activity = FabricTracing.Source.StartActivity("driftfabric.watch.event");
        activity?.SetTag("driftfabric.cluster", _key);
        activity?.SetTag("driftfabric.changes", changes.Count);
        if (_router is null || state.State.Config is not { } config)
        {
            return;
        }

        // Per service, in the order they happened.
        var byService = new Dictionary<string, List<LiveDocumentChange>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            string? service;
            if (change.Document is { } doc && ResourceKey.TryParse(change.Key, out var key) && TryRoute(key, doc, config, out service))
            {
                var previous = _liveRoutes.GetValueOrDefault(change.Key);
                if (previous is not null && previous != service)
                {
                    ChangesOf(byService, previous).Add(change with { Document = null });
                }

                if (service is null)
                {
                    _liveRoutes.Remove(change.Key);
                    continue;
                }

                _liveRoutes[change.Key] = service;
                ChangesOf(byService, service).Add(change);
            }
            else if (_liveRoutes.Remove(change.Key, out service))
            {
                ChangesOf(byService, service).Add(change with { Document = null });
            }
        }

        var calls = byService.Select(async kv =>
        {
            try
            {
                return (kv.Key, await GrainFactory.GetGrain<IServiceGrain>(kv.Key).ApplyLive(kv.Value));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogServiceFailed(logger, e, kv.Key);
                return (kv.Key, (DriftSummary?)null);
            }
        }).ToList();
        foreach (var (service, summary) in await Task.WhenAll(calls))
        {
            // What the service holds now is no longer what its last full sync sent.
            _tables.LiveHashes.Remove(service);
            if (summary is null)
            {
                // A change it never got, or a service without its state: a re-list sends it its whole state.
                ForgetSent(service);
                RetrySoon();
            }
            else if (summary.Services == 0)
            {
                SetService(service, null);
            }
            else
            {
                SetService(service, summary);
            }
        }

        if (calls.Count > 0)
        {
            await ReportIfChanged();
        }
    }


    public async Task ReportLiveHealth(string? problem)
    {
        var status = state.State.Status;
        var now = time.GetUtcNow();
        var next = problem is null
            ? (status.State == SourceState.Unreachable ? new SourceStatus(SourceState.Ok, now, [], now) : status)
            : new SourceStatus(SourceState.Unreachable, now, [problem], status.State == SourceState.Unreachable ? status.Since : now);
        if (next != status)
        {
            state.State.Status = next;
            await _kept.TryWriteAsync();
            if (state.State.Config is { } config)
            {
                await ReportToTenant(config, Summary());
            }
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (state.State.Config is { } config)
        {
            metrics.ForgetCluster(config.Tenant, config.Cluster);
        }

        await StopWatching();
    }

    private async Task StopWatching()
    {
        if (_source is { } source)
        {
            _source = null;
            await source.DisposeAsync();
        }
    }

    /// <summary>
    /// The service a watched object goes to (null: out of scope); false when the document is no
    /// object. Read as parsed JSON in place: a declared object is routed by its key alone.
    /// </summary>
    private bool TryRoute(ResourceKey key, ResourceDocument document, ClusterConfig config, out string? service)
    {
        using var parsed = System.Text.Json.JsonDocument.Parse(document.Json);
        if (parsed.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            service = null;
            return false;
        }

        service = _router!.Route(key, new Manifest(parsed.RootElement, new SourceLocation(config.Cluster, 0)));
        return true;
    }

    private static List<LiveDocumentChange> ChangesOf(Dictionary<string, List<LiveDocumentChange>> byService, string service)
    {
        if (!byService.TryGetValue(service, out var changes))
        {
            changes = [];
            byService[service] = changes;
        }

        return changes;
    }

    private SourceStatus StatusAfter(ClusterLoad load)
    {
        var previous = state.State.Status;
        var now = time.GetUtcNow();
        var next = (load.DesiredUsable, load.LiveUsable || load.LiveUnchanged) switch
        {
            (true, true) when load.SendFailed || load.PartlyUsable => SourceState.Degraded,
            (true, true) => SourceState.Ok,
            (true, false) when load.LiveUnreachable => SourceState.Unreachable,
            (false, false) => SourceState.Failed,
            _ => _tables.DesiredHashes.Count == 0 && _tables.Services.Count == 0 ? SourceState.Failed : SourceState.Degraded,
        };
        var since = next == previous.State && previous.Since is not null ? previous.Since : now;
        return next == previous.State && previous.Errors.SequenceEqual(load.Errors)
            ? previous with { LoadedAt = now }
            : new SourceStatus(next, now, [.. load.Errors], since);
    }

    /// <summary>Replaces one service's line of the roll-up, keeping the cluster total current without re-adding every service.</summary>
    private void SetService(string service, DriftSummary? summary)
    {
        var total = Total;
        if (_tables.Services.Remove(service, out var old))
        {
            total -= old;
        }

        if (summary is not null)
        {
            _tables.Services[service] = summary;
            total += summary;
        }

        _total = total;
    }

    private DriftSummary Total => _total ??= _tables.Services.Values.Aggregate(DriftSummary.Empty, (sum, s) => sum + s);

    /// <summary>The roll-up; a proxy that cannot be read makes the cluster degraded, with the proxy's error among the cluster's.</summary>
    private ClusterSummary Summary()
    {
        var status = state.State.Status;
        var problems = new List<string>();
        foreach (var proxy in state.State.Proxies.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (proxy.State is ProxyState.Unreachable or ProxyState.Invalid)
            {
                problems.Add($"proxy {proxy.Name}: {proxy.Error}");
            }

            // A service with nothing but proxies' resources: the cluster declares no such service (a typo in the spec?).
            foreach (var service in proxy.Services)
            {
                if (state.State.ProxiesHeld.Contains(proxy.Name) && _tables.Services.TryGetValue(service.Key, out var line)
                    && line.Resources <= state.State.Proxies.Values.Count(p => state.State.ProxiesHeld.Contains(p.Name) && p.Services.Contains(service)))
                {
                    problems.Add($"proxy {proxy.Name} fronts {service.Namespace}/{service.Name}, which the cluster does not declare");
                }
            }
        }

        if (problems.Count > 0)
        {
            status = status with { State = status.State == SourceState.Ok ? SourceState.Degraded : status.State, Errors = [.. status.Errors, .. problems] };
        }

        return new(state.State.Config?.Cluster ?? _key, Total, status);
    }

    public async Task ObserveProxy(ProxyReport report)
    {
        var status = report.Status;
        var previous = state.State.Proxies.GetValueOrDefault(status.Name);
        var failed = 0;
        if (report.Drifts is { } drifts)
        {
            // Withdrawn from the services it no longer fronts, given to those it does.
            var withdrawn = (previous?.Services ?? []).Except(status.Services).Select(s => (s, (IReadOnlyList<DriftRecord>?)null));
            failed = await ApplyProxy(status.Resource, status.Services.Select(s => (s, (IReadOnlyList<DriftRecord>?)drifts)).Concat(withdrawn));
        }

        state.State.Proxies[status.Name] = status;
        if ((report.Drifts is not null && state.State.ProxiesHeld.Add(status.Name)) || previous is null || !previous.SameAs(status))
        {
            await _kept.TryWriteAsync();
        }

        await ReportIfChanged();
        if (failed > 0)
        {
            throw new InvalidOperationException($"proxy {status.Name}: {failed} of its services could not be given its drift; it reports again at its next poll");
        }
    }

    public async Task ForgetProxy(string proxy)
    {
        if (!state.State.Proxies.TryGetValue(proxy, out var status))
        {
            return;
        }

        var failed = await ApplyProxy(status.Resource, status.Services.Select(s => (s, (IReadOnlyList<DriftRecord>?)null)));
        if (failed > 0)
        {
            throw new InvalidOperationException($"proxy {proxy}: {failed} of its services could not have its drift withdrawn");
        }

        state.State.Proxies.Remove(proxy);
        state.State.ProxiesHeld.Remove(proxy);
        await _kept.TryWriteAsync();
        await ReportIfChanged();
    }

    public async Task<RemediationReport> Remediate(RemediationRequest request)
    {
        if (request.Action is not (RemediationRequest.Revert or RemediationRequest.Adopt))
        {
            throw new ArgumentException($"'{request.Action}' is not an action this cluster takes (revert, adopt)", nameof(request));
        }

        // Queued behind the one before (the grain runs one turn at a time, so the swap is atomic).
        var before = _remediating;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _remediating = done.Task;
        try
        {
            await before;
            return await RemediateOneAtATime(request);
        }
        finally
        {
            done.SetResult();
        }
    }

    private async Task<RemediationReport> RemediateOneAtATime(RemediationRequest request)
    {
        var service = GrainFactory.GetGrain<IServiceGrain>(request.Service.Key);
        var inputs = await service.GetRemediationInputs(request.Resource);
        RemediationReport report;
        if (request.Action == RemediationRequest.Adopt)
        {
            report = await AdoptAsync(request, inputs);
        }
        else
        {
            var results = new List<RemediationResult>();
            foreach (var input in inputs)
            {
                try
                {
                    results.Add(await RevertAsync(input, request));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A result and an event, never an escape that leaves the rest of the set undone.
                    var secret = ResourceKey.TryParse(input.Resource, out var key) && key.IsSecret;
                    LogRevertFailed(logger, secret ? null : e, request.Service.Key, input.Resource, e.GetType().Name);
                    results.Add(new RemediationResult(input.Resource, nameof(RevertOutcome.Failed), $"not reverted: unexpected {e.GetType().Name}{(secret ? string.Empty : ": " + e.Message)}", []));
                }
            }

            report = new RemediationReport(request.Service, request.Action, request.DryRun, results);
        }

        // Every real action is recorded against the drifts it acted on (the watch may have seen them resolve meanwhile).
        if (!request.DryRun)
        {
            foreach (var result in report.Results.Where(r => r.Outcome != nameof(RevertOutcome.InSync)))
            {
                var acted = inputs.FirstOrDefault(i => i.Resource == result.Resource)?.Drifts ?? [];
                await service.RecordRemediation(result.Resource, new RemediationNote(request.Actor, request.Action, result.Outcome.ToLowerInvariant(), result.Message, result.Changes), acted);
            }
        }

        return report;
    }

    /// <summary>
    /// Writes the live values of the drifted fields into the files of the repo that declare them
    /// (<see cref="YamlEditor"/>), and makes a patch and, in a git checkout, a commit on a new
    /// branch for review; the working tree is not touched.
    /// </summary>
    private async Task<RemediationReport> AdoptAsync(RemediationRequest request, IReadOnlyList<ResourceState> inputs)
    {
        var results = new List<RemediationResult>();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var adopted = new List<(ResourceState Input, List<FieldChange> Changes, List<Engine.Adoption.EditRefusal> Refused)>();
        foreach (var input in inputs)
        {
            RemediationResult Skip(string message) => new(input.Resource, nameof(RevertOutcome.Skipped), message, []);
            if (!ResourceKey.TryParse(input.Resource, out var key) || key.Kind == "Proxy")
            {
                results.Add(Skip("a proxy's config is adopted by hand: its file is JSON or haproxy.cfg"));
            }
            else if (key.IsSecret)
            {
                results.Add(Skip("a Secret's values are never written into the code: DriftFabric holds only their digests"));
            }
            else if (input.DesiredFile is not { } file || input.Drifts.Any(d => d.Path.Length == 0))
            {
                results.Add(Skip("a whole object missing from the code or from the cluster is added or removed by hand"));
            }
            else
            {
                // Bytes, not text: a byte order mark and every line ending stay as they are.
                var bytes = files.TryGetValue(file, out var edited) ? edited : await File.ReadAllBytesAsync(file);
                var edits = input.Drifts.Select(d => new Engine.Adoption.FieldEdit(d.Path, d.Live, d.Desired)).ToList();
                var (next, refused) = Engine.Adoption.YamlEditor.Apply(bytes, key, edits);
                files[file] = next;
                var changes = input.Drifts.Where(d => !refused.Exists(r => r.Path == d.Path)).Select(d => new FieldChange(d.Path, d.Desired, d.Live)).ToList();
                adopted.Add((input, changes, refused));
            }
        }

        string? patch = null;
        string? branch = null;
        string? failure = null;
        var changed = files.Where(f => adopted.Exists(a => a.Changes.Count > 0 && a.Input.DesiredFile == f.Key)).Select(f => (f.Key, f.Value)).ToList();
        if (changed.Count > 0)
        {
            var fields = adopted.SelectMany(a => a.Changes.Select(c => $"{a.Input.Resource} {c.Path}")).ToList();
            var message = $"Adopt live changes of {request.Service.Key} into the code\n\nWritten by DriftFabric ({request.Actor}) from the cluster's live state:\n{string.Join('\n', fields.Select(f => "- " + f))}\n";
            try
            {
                (patch, branch) = await GitAdopter.CommitAsync(changed, $"driftfabric/adopt/{request.Service.Tenant}-{request.Service.Cluster}-{request.Service.Name}-{time.GetUtcNow():yyyyMMdd-HHmmss}", message, request.DryRun);
            }
            catch (Exception e) when (e is AdoptionException or IOException or UnauthorizedAccessException)
            {
                failure = e.Message;
            }
        }

        foreach (var (input, changes, refused) in adopted)
        {
            var left = refused.Count == 0 ? string.Empty : $"; left for a person: {string.Join("; ", refused.Select(r => $"{r.Path}: {r.Reason}"))}";
            var result = failure is not null ? new RemediationResult(input.Resource, nameof(RevertOutcome.Failed), "not adopted: " + failure, [])
                : changes.Count == 0 ? new RemediationResult(input.Resource, nameof(RevertOutcome.Skipped), "not adopted" + left, [])
                : request.DryRun ? new RemediationResult(input.Resource, nameof(RevertOutcome.WouldChange), $"would write {changes.Count} field(s) into {input.DesiredFile}{left}", changes)
                : new RemediationResult(input.Resource, "Adopted", branch is null
                    ? $"wrote a patch for {input.DesiredFile} (not a git checkout: apply it by hand){left}"
                    : $"committed on branch {branch} for review{left}", changes);
            results.Add(result);
        }

        return new RemediationReport(request.Service, request.Action, request.DryRun, results) { Patch = patch, Branch = branch };
    }

    public async Task RemediateInBackground(RemediationRequest request)
    {
        try
        {
            await Remediate(request);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nobody waits on a policy's action: its failure is an event like its success would be.
            LogRemediationFailed(logger, e, request.Service.Key, request.Resource);
            try
            {
                var service = GrainFactory.GetGrain<IServiceGrain>(request.Service.Key);
                var drifts = request.Resource is { } resource ? await service.GetResourceDrifts(resource) ?? [] : await service.GetDrifts();
                var verb = request.Action == RemediationRequest.Adopt ? "adopted" : "reverted";
                foreach (var group in drifts.GroupBy(d => d.Resource))
                {
                    await service.RecordRemediation(group.Key, new RemediationNote(request.Actor, request.Action, "failed", $"not {verb}: {e.Message}", []), [.. group]);
                }
            }
            catch (Exception recording) when (recording is not OperationCanceledException)
            {
                LogRemediationFailed(logger, recording, request.Service.Key, request.Resource);
            }
        }
    }

    // A Secret's failure is logged without its exception: a message might quote a value.
    [LoggerMessage(EventId = LogEvents.RevertFailed, Level = LogLevel.Warning, Message = "Service {Service}: the revert of {Resource} failed unexpectedly ({Error})")]
    private static partial void LogRevertFailed(ILogger logger, Exception? exception, string service, string resource, string error);

    [LoggerMessage(EventId = LogEvents.RemediationFailed, Level = LogLevel.Warning, Message = "Service {Service}: the remediation of {Resource} asked by its policy failed")]
    private static partial void LogRemediationFailed(ILogger logger, Exception exception, string service, string? resource);

    /// <summary>One resource put back as the code declares it, through the cluster's own API connection.</summary>
    private async Task<RemediationResult> RevertAsync(ResourceState input, RemediationRequest request)
    {
        RemediationResult Result(RevertOutcome outcome, string message) => new(input.Resource, outcome.ToString(), message, []);
        var parsed = ResourceKey.TryParse(input.Resource, out var key);
        if (parsed && key.Kind == "Proxy" && state.State.Proxies.ContainsKey(key.Name) && state.State.Config is { } config)
        {
            // The proxy's own grain writes to it (it does not call back here while it does).
            return await GrainFactory.GetGrain<IProxyGrain>(ProxyKeys.Of(config.Tenant, config.Cluster, key.Name)).Revert(request.DryRun);
        }

        // Read once: a reload or reconfiguration may interleave with the API calls below.
        if (state.State.Config?.Kube is null || _client is not { } client || _source is not { } source)
        {
            return Result(RevertOutcome.Skipped, $"cluster {_key} is read from a snapshot (or its API server is not connected): there is nothing to write to");
        }

        var unmanaged = input.Drifts.Any(d => d.Kind == DriftKind.Unmanaged);
        if (unmanaged && !request.DeleteUnmanaged)
        {
            return Result(RevertOutcome.Skipped, "an unmanaged object is deleted only when asked explicitly (deleteUnmanaged), never by a revert");
        }

        if (!parsed || (input.Desired is null && !unmanaged) || (unmanaged && input.Live is null))
        {
            return Result(RevertOutcome.Skipped, "not declared in the code: nothing to revert to");
        }

        var group = key.Group == ResourceKey.CoreGroup ? string.Empty : key.Group;
        var target = source.Targets.FirstOrDefault(t => t.Group == group && t.Kind == key.Kind && (!t.Namespaced || t.Namespace == key.Namespace));
        if (target is null)
        {
            return Result(RevertOutcome.Failed, $"{key.Group}/{key.Kind} in {key.Namespace} is not watched on this cluster's API server");
        }

        var reverter = new KubeReverter(client, digest);
        if (unmanaged)
        {
            var deleted = await reverter.DeleteAsync(target, input.Resource, input.Live!, request.DryRun);
            return new RemediationResult(input.Resource, deleted.Outcome.ToString(), deleted.Message, deleted.Changes);
        }

        var reverted = await reverter.RevertAsync(target, new RevertRequest(input.Resource, input.Desired!, input.Live, [.. input.Drifts.Select(d => d.Path)])
        {
            AddedPaths = [.. input.Drifts.Where(d => d.Kind == DriftKind.Added).Select(d => d.Path)],
        }, request.DryRun);
        return new RemediationResult(input.Resource, reverted.Outcome.ToString(), reverted.Message, reverted.Changes);
    }

    public Task<IReadOnlyList<ProxyStatus>> GetProxies() =>
        Task.FromResult<IReadOnlyList<ProxyStatus>>([.. state.State.Proxies.Values.OrderBy(p => p.Name, StringComparer.Ordinal)]);

    /// <summary>Hands a proxy's drifts (null: withdrawn) to services and takes their new lines; returns how many failed.</summary>
    private async Task<int> ApplyProxy(string resource, IEnumerable<(ServiceId Service, IReadOnlyList<DriftRecord>? Drifts)> targets)
    {
        var calls = targets.Select(async target =>
        {
            try
            {
                return (target.Service.Key, await GrainFactory.GetGrain<IServiceGrain>(target.Service.Key).ApplyProxy(resource, target.Drifts));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogServiceFailed(logger, e, target.Service.Key);
                return (target.Service.Key, (DriftSummary?)null);
            }
        }).ToList();
        var failed = 0;
        foreach (var (service, summary) in await Task.WhenAll(calls))
        {
            if (summary is null)
            {
                failed++;
            }
            else
            {
                SetService(service, summary.Services == 0 ? null : summary);
            }
        }

        return failed;
    }

    /// <summary>Sends the roll-up to the tenant when it is not what the tenant last got from here.</summary>
    private async Task ReportIfChanged()
    {
        var summary = Summary();
        if (state.State.Config is { } config && summary != _reported)
        {
            await ReportToTenant(config, summary);
        }
    }

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
            var fingerprint = ClusterSources.Fingerprint(config);
            if (_retry || fingerprint != state.State.Fingerprint || (config.Kube is not null && _source is null))
            {
                await ReloadAsync(config, fingerprint);
            }
            else if (_reportPending)
            {
                await ReportToTenant(config, Summary());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever failed (a file, storage, another silo), it is tried again soon.
            RetrySoon();
            LogPollFailed(logger, e, _key);
        }
    }

    [LoggerMessage(EventId = LogEvents.ClusterReportFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not report its roll-up to its tenant; it will again")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterReminderFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not register its watchdog reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterMoving, Level = LogLevel.Information, Message = "Cluster {Cluster} belongs to another silo now; moving there")]
    private static partial void LogMoving(ILogger logger, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterReloaded, Level = LogLevel.Information, Message = "Cluster {Cluster} reloaded: {Sent} services updated, {Errors} input errors")]
    private static partial void LogReloaded(ILogger logger, string cluster, int sent, int errors);

    [LoggerMessage(EventId = LogEvents.ClusterServiceFailed, Level = LogLevel.Warning, Message = "Service {Service} could not be updated; it will be sent its state again")]
    private static partial void LogServiceFailed(ILogger logger, Exception exception, string service);

    [LoggerMessage(EventId = LogEvents.ClusterUnreachable, Level = LogLevel.Warning, Message = "Cluster {Cluster}: the API server is unreachable")]
    private static partial void LogUnreachable(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterPollFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not check or reload its sources; it tries again at the next poll")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string cluster);
}
