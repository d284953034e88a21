using DriftFabric.Abstractions;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.ClusterState")]
public sealed class ClusterState
{
    [Id(0)]
    public ClusterConfig? Config { get; set; }

    /// <summary>Per service: the hash of the desired documents and policy it was last sent.</summary>
    [Id(1)]
    public Dictionary<string, string> DesiredHashes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per service: the hash of the live objects it was last sent.</summary>
    [Id(2)]
    public Dictionary<string, string> LiveHashes { get; set; } = new(StringComparer.Ordinal);

    [Id(3)]
    public Dictionary<string, DriftSummary> Services { get; set; } = new(StringComparer.Ordinal);

    [Id(4)]
    public SourceStatus Status { get; set; } = new(SourceState.Pending, null, [], null);

    [Id(5)]
    public string? Fingerprint { get; set; }
}

/// <summary>
/// One cluster (key <c>tenant/cluster</c>): reads its desired and live sources, sends each service
/// grain only its own documents and only when they changed, and rolls the services' summaries
/// up to the tenant. It holds hashes and counts, never the documents themselves.
/// </summary>
[GrainType("driftfabric.cluster")]
public sealed partial class ClusterGrain(
    [PersistentState("cluster", StorageNames.Grains)] IPersistentState<ClusterState> state,
    TimeProvider time,
    ILogger<ClusterGrain> logger) : Grain, IClusterGrain
{
    private IGrainTimer? _poll;
    private string _key = string.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        if (state.State.Config is { } config)
        {
            StartPolling(config.PollInterval);
        }

        return Task.CompletedTask;
    }

    public async Task<ClusterSummary> Configure(ClusterConfig config)
    {
        var changed = state.State.Config is not { } previous || !SameJudgement(previous, config);
        state.State.Config = config;
        if (changed)
        {
            // A new policy or source: every service is judged again.
            state.State.DesiredHashes.Clear();
            state.State.LiveHashes.Clear();
        }

        StartPolling(config.PollInterval);
        return await Reload();
    }

    /// <summary>True when both configurations read the same sources and judge them the same way.</summary>
    private static bool SameJudgement(ClusterConfig a, ClusterConfig b) =>
        a.DesiredPath == b.DesiredPath && a.LivePath == b.LivePath && a.DefaultNamespace == b.DefaultNamespace
        && a.Policy.Hash == b.Policy.Hash && a.ServiceLabels.SequenceEqual(b.ServiceLabels);

    public async Task<ClusterSummary> Reload()
    {
        var config = state.State.Config ?? throw new InvalidOperationException($"cluster {_key} is not configured");
        var fingerprint = ClusterSources.Fingerprint(config);
        var load = await Task.Run(() => ClusterSources.Load(config));
        var sent = await Route(config, load);
        var status = StatusAfter(load);
        var dirty = sent > 0 || fingerprint != state.State.Fingerprint || status != state.State.Status;
        state.State.Fingerprint = fingerprint;
        state.State.Status = status;
        var summary = Summary();
        if (dirty)
        {
            await state.WriteStateAsync();
            await GrainFactory.GetGrain<ITenantGrain>(config.Tenant).ReportCluster(summary);
        }

        LogReloaded(logger, _key, sent, load.Errors.Count);
        return summary;
    }

    public Task<ClusterSummary> GetSummary() => Task.FromResult(Summary());

    public Task<IReadOnlyList<ServiceSummary>> GetServices() =>
        Task.FromResult<IReadOnlyList<ServiceSummary>>([.. state.State.Services
            .Where(s => s.Value.Services > 0)
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new ServiceSummary(ServiceId.Parse(s.Key), s.Value))]);

    /// <summary>Sends each service whose documents changed its new state, in parallel; returns how many were sent.</summary>
    private async Task<int> Route(ClusterConfig config, ClusterLoad load)
    {
        // Before the first usable live snapshot, desired state alone would read as "everything missing".
        var firstLoad = state.State.LiveHashes.Count == 0 && state.State.DesiredHashes.Count == 0;
        if (firstLoad && !(load.DesiredUsable && load.LiveUsable))
        {
            return 0;
        }

        var services = load.Services.Union(state.State.Services.Keys, StringComparer.Ordinal).ToList();
        var calls = new List<Task<(string Service, DriftSummary Summary)>>();
        foreach (var service in services)
        {
            var update = ChangesFor(config, load, service);
            if (update is not null)
            {
                calls.Add(Send(service, update));
            }
        }

        foreach (var (service, summary) in await Task.WhenAll(calls))
        {
            if (summary.Services == 0)
            {
                state.State.Services.Remove(service);
            }
            else
            {
                state.State.Services[service] = summary;
            }
        }

        return calls.Count;
    }

    private ServiceUpdate? ChangesFor(ClusterConfig config, ClusterLoad load, string service)
    {
        IReadOnlyList<ResourceDocument>? desired = null;
        IReadOnlyList<ResourceDocument>? live = null;
        if (load.DesiredUsable)
        {
            var docs = load.Desired.GetValueOrDefault(service) ?? [];
            var hash = ClusterSources.Hash(docs, config.Policy.Hash);
            if (state.State.DesiredHashes.GetValueOrDefault(service) != hash)
            {
                desired = docs;
                state.State.DesiredHashes[service] = hash;
            }
        }

        if (load.LiveUsable)
        {
            var docs = load.Live.GetValueOrDefault(service) ?? [];
            var hash = ClusterSources.Hash(docs);
            if (state.State.LiveHashes.GetValueOrDefault(service) != hash)
            {
                live = docs;
                state.State.LiveHashes[service] = hash;
            }
        }

        return desired is null && live is null ? null : new ServiceUpdate(desired, desired is null ? null : config.Policy, live);
    }

    private async Task<(string, DriftSummary)> Send(string service, ServiceUpdate update) =>
        (service, await GrainFactory.GetGrain<IServiceGrain>(service).Update(update));

    private SourceStatus StatusAfter(ClusterLoad load)
    {
        var previous = state.State.Status;
        var now = time.GetUtcNow();
        var next = (load.DesiredUsable, load.LiveUsable) switch
        {
            (true, true) => SourceState.Ok,
            (false, false) => SourceState.Failed,
            _ => state.State.DesiredHashes.Count == 0 ? SourceState.Failed : SourceState.Degraded,
        };
        var since = next == previous.State && previous.Since is not null ? previous.Since : now;
        return next == previous.State && previous.Errors.SequenceEqual(load.Errors)
            ? previous with { LoadedAt = now }
            : new SourceStatus(next, now, [.. load.Errors], since);
    }

    private ClusterSummary Summary()
    {
        var total = DriftSummary.Empty;
        foreach (var summary in state.State.Services.Values)
        {
            total += summary;
        }

        var cluster = state.State.Config?.Cluster ?? _key;
        return new ClusterSummary(cluster, total, state.State.Status);
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
            if (ClusterSources.Fingerprint(config) != state.State.Fingerprint)
            {
                await Reload();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogPollFailed(logger, e, _key);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Cluster {Cluster} reloaded: {Sent} services updated, {Errors} input errors")]
    private static partial void LogReloaded(ILogger logger, string cluster, int sent, int errors);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not check its sources for changes")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string cluster);
}
