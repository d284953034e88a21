using System.Threading.Channels;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using Microsoft.Extensions.Logging;
using k8s;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>How hard one cluster's API server may be asked, and how errors back off.</summary>
public sealed record LiveSourceOptions(int Qps = 20, int Burst = 40)
{
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock the budget refills and the backoff waits on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The live state of one cluster through its API server: lists every target, then watches each
/// from the list's resourceVersion with bookmarks. On 410 Gone or a dropped connection it
/// re-lists and reconciles (objects deleted meanwhile become deletions), backing off with
/// jitter on errors, within a per-cluster QPS/burst budget. A change reaches the sink only when
/// the object's compared projection changed: a status-only update costs nothing.
/// </summary>
public sealed partial class KubernetesLiveSource : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly IReadOnlyList<KubeTarget> _targets;
    private readonly LiveSourceOptions _options;
    private readonly ILogger _logger;
    private readonly RequestBudget _budget;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<KubeTarget, TargetState> _states = [];
    private readonly List<Task> _loops = [];
    private readonly List<UnlistedKind> _unlisted = [];

    public KubernetesLiveSource(IKubernetes client, IReadOnlyList<KubeTarget> targets, LiveSourceOptions options, ILogger logger)
    {
        _client = client;
        _targets = targets;
        _options = options;
        _logger = logger;
        _budget = new RequestBudget(options.Qps, options.Burst, options.Time);
        foreach (var target in targets)
        {
            _states[target] = new TargetState();
        }
    }

    public IReadOnlyList<KubeTarget> Targets => _targets;

    /// <summary>The targets the last <see cref="SyncAllAsync"/> could not list, with why: they are not watched.</summary>
    public IReadOnlyList<UnlistedKind> Unlisted => _unlisted;

    /// <summary>Requests waiting for the budget: a test sees the limit hold without waiting on the clock.</summary>
    internal int Waiting => _budget.Waiting;

    /// <summary>Lists every target once; the objects are the cluster's complete live state in scope.</summary>
    public async Task<List<(string Key, MapNode Object)>> SyncAllAsync(CancellationToken ct)
    {
        var all = new List<(string, MapNode)>();
        var server = KubeAnswers.ServerOf(_client);
        _unlisted.Clear();
        foreach (var target in _targets)
        {
            var state = _states[target];
            await Acquire(ct);
            List<MapNode> items;
            string rv;
            try
            {
                (items, rv) = await KubeReader.ListAsync(_client, target, ct);
            }
            catch (Exception e) when (KubeAnswers.IsRefusalOrGarbage(e))
            {
                // One kind refused (RBAC) or answered wrong: the others are still listed and watched.
                var where = target.Namespace is null ? string.Empty : $" in namespace {target.Namespace}";
                var group = target.Group.Length == 0 ? ResourceKey.CoreGroup : target.Group;
                LogListFailed(_logger, e, target);
                _unlisted.Add(new UnlistedKind(group, target.Kind, target.Namespace, $"{group}/{target.Kind}{where} could not be listed: {KubeAnswers.Describe(e, server)}; its objects are not judged"));
                continue;
            }

            state.Known.Clear();
            foreach (var item in items)
            {
                var key = KeyOf(target, item);
                state.Known[key] = ObjectShape.ProjectionHash(item);
                all.Add((key, item));
            }

            state.ResourceVersion = rv;
        }

        return all;
    }

    /// <summary>
    /// Starts one watch loop per target, from where <see cref="SyncAllAsync"/> left off, and one
    /// delivery loop per target that hands the sink every change waiting, in order: under load a
    /// change costs a share of a call rather than a call.
    /// </summary>
    public void StartWatching(Func<IReadOnlyList<LiveChange>, Task> onChanges, Func<string?, Task> onHealth)
    {
        foreach (var target in _targets.Where(t => !IsUnlisted(t)))
        {
            var state = _states[target];
            _loops.Add(Task.Run(() => RunAsync(target, state, onHealth, _stop.Token)));
            _loops.Add(Task.Run(() => DeliverAsync(target, state, onChanges, _stop.Token)));
        }
    }

    private async Task DeliverAsync(KubeTarget target, TargetState state, Func<IReadOnlyList<LiveChange>, Task> onChanges, CancellationToken ct)
    {
        const int MaxBatch = 512;
        var reader = state.Pending.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                var batch = new List<LiveChange>();
                while (batch.Count < MaxBatch && reader.TryRead(out var change))
                {
                    batch.Add(change);
                }

                try
                {
                    await onChanges(batch);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The sink missed these changes: re-list, and send these objects again as they are then.
                    LogDeliveryFailed(_logger, e, target);
                    foreach (var change in batch)
                    {
                        state.Missed.Enqueue(change.Key);
                    }

                    state.RequestRelist();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        await _budget.DisposeAsync();
        foreach (var state in _states.Values)
        {
            state.Dispose();
        }
    }

    private async Task RunAsync(KubeTarget target, TargetState state, Func<string?, Task> onHealth, CancellationToken ct)
    {
        var backoff = _options.MinBackoff;
        var failing = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (state.NeedsRelist)
                {
                    await Acquire(ct);
                    var (items, rv) = await KubeReader.ListAsync(_client, target, ct);
                    var changes = Reconcile(target, state, items);
                    state.ResourceVersion = rv;
                    state.NeedsRelist = false;
                    LogRelisted(_logger, target, items.Count, changes.Count);
                    foreach (var change in changes)
                    {
                        state.Pending.Writer.TryWrite(change);
                    }
                }

                Exception? watchError = null;
                await Acquire(ct);
                // An error in the stream (an expired resourceVersion, a line that is not JSON) ends
                // this watch at once: what came after it cannot be trusted without a re-list.
                using var broken = new CancellationTokenSource();
                using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct, state.RelistRequested, broken.Token);
                try
                {
                    await foreach (var (type, obj) in KubeReader.WatchAsync(_client, target, state.ResourceVersion, e => { watchError ??= e; broken.Cancel(); }, watch.Token))
                    {
                        if (failing)
                        {
                            failing = false;
                            await onHealth(null);
                        }

                        backoff = _options.MinBackoff;
                        state.ResourceVersion = obj.GetMap("metadata")?.GetString("resourceVersion") ?? state.ResourceVersion;
                        if (Apply(target, state, type, obj) is { } change)
                        {
                            state.Pending.Writer.TryWrite(change);
                        }
                    }
                }
                catch (OperationCanceledException) when (broken.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    // Ended for the error below.
                }

                if (watchError is KubernetesException { Status.Code: 410 })
                {
                    LogExpired(_logger, target, state.ResourceVersion);
                    state.NeedsRelist = true;
                }
                else if (watchError is not null)
                {
                    throw watchError;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (state.RelistRequested.IsCancellationRequested)
            {
                state.NeedsRelist = true;
                state.ResetRelistRequest();
            }
            catch (Exception e) when (KubeAnswers.IsAnswerProblem(e) || e is TimeoutException or OperationCanceledException)
            {
                LogWatchFailed(_logger, e, target, backoff);
                failing = true;
                await onHealth($"{target}: {KubeAnswers.Describe(e, KubeAnswers.ServerOf(_client))}");
                state.NeedsRelist = true;
                var jitter = Random.Shared.NextDouble() * 0.5 + 0.75;
                await Task.Delay(backoff * jitter, _options.Time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    private static LiveChange? Apply(KubeTarget target, TargetState state, WatchEventType type, MapNode obj)
    {
        if (type is WatchEventType.Bookmark or WatchEventType.Error)
        {
            return null;
        }

        var key = KeyOf(target, obj);
        if (type == WatchEventType.Deleted)
        {
            return state.Known.Remove(key) ? new LiveChange(key, null) : null;
        }

        var hash = ObjectShape.ProjectionHash(obj);
        if (state.Known.TryGetValue(key, out var known) && known == hash)
        {
            return null;
        }

        state.Known[key] = hash;
        return new LiveChange(key, obj);
    }

    /// <summary>After a re-list: what changed or appeared, and what disappeared while nobody watched.</summary>
    private static List<LiveChange> Reconcile(KubeTarget target, TargetState state, List<MapNode> items)
    {
        var missed = new HashSet<string>(StringComparer.Ordinal);
        while (state.Missed.TryDequeue(out var key))
        {
            missed.Add(key);
        }

        var changes = new List<LiveChange>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var key = KeyOf(target, item);
            seen.Add(key);
            var hash = ObjectShape.ProjectionHash(item);
            if (!state.Known.TryGetValue(key, out var known) || known != hash || missed.Contains(key))
            {
                state.Known[key] = hash;
                changes.Add(new LiveChange(key, item));
            }
        }

        foreach (var gone in state.Known.Keys.Union(missed).Where(k => !seen.Contains(k)).ToList())
        {
            state.Known.Remove(gone);
            changes.Add(new LiveChange(gone, null));
        }

        return changes;
    }

    public static string KeyOf(KubeTarget target, MapNode obj)
    {
        var metadata = obj.GetMap("metadata");
        var ns = target.Namespaced ? metadata?.GetString("namespace") ?? target.Namespace ?? "default" : ResourceKey.ClusterScope;
        return new ResourceKey(target.Group.Length == 0 ? ResourceKey.CoreGroup : target.Group, target.Kind, ns, metadata?.GetString("name") ?? string.Empty).ToString();
    }

    /// <summary>True when <paramref name="target"/> could not be listed: it is neither watched nor read from.</summary>
    public bool IsUnlisted(KubeTarget target) =>
        _unlisted.Any(u => u.Kind == target.Kind && u.Namespace == target.Namespace && u.Group == (target.Group.Length == 0 ? ResourceKey.CoreGroup : target.Group));

    private Task Acquire(CancellationToken ct) => _budget.AcquireAsync(ct);

    private sealed class TargetState : IDisposable
    {
        private CancellationTokenSource _relist = new();

        public string ResourceVersion { get; set; } = string.Empty;

        public bool NeedsRelist { get; set; }

        public Dictionary<string, string> Known { get; } = new(StringComparer.Ordinal);

        /// <summary>Keys whose changes the sink missed: sent again, as they are, after the next re-list.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<string> Missed { get; } = new();

        /// <summary>Changes waiting for delivery, in the order they were seen.</summary>
        public Channel<LiveChange> Pending { get; } = Channel.CreateUnbounded<LiveChange>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public CancellationToken RelistRequested => _relist.Token;

        /// <summary>Ends the current watch so that the loop re-lists (all known objects are sent again).</summary>
        public void RequestRelist() => Volatile.Read(ref _relist).Cancel();

        /// <summary>
        /// A fresh request token for the next watch. The old one is left to the collector: the
        /// delivery loop may still be cancelling it.
        /// </summary>
        public void ResetRelistRequest() => Volatile.Write(ref _relist, new CancellationTokenSource());

        public void Dispose() => _relist.Dispose();
    }

    [LoggerMessage(EventId = LogEvents.WatchRelisted, Level = LogLevel.Information, Message = "Re-listed {Target}: {Items} objects, {Changes} changes")]
    private static partial void LogRelisted(ILogger logger, KubeTarget target, int items, int changes);

    [LoggerMessage(EventId = LogEvents.WatchExpired, Level = LogLevel.Information, Message = "Watch of {Target} expired at resourceVersion {ResourceVersion}; re-listing")]
    private static partial void LogExpired(ILogger logger, KubeTarget target, string resourceVersion);

    [LoggerMessage(EventId = LogEvents.WatchUndelivered, Level = LogLevel.Warning, Message = "Changes of {Target} could not be delivered; re-listing")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, KubeTarget target);

    [LoggerMessage(EventId = LogEvents.WatchListFailed, Level = LogLevel.Warning, Message = "{Target} could not be listed; it is not watched until the next re-list")]
    private static partial void LogListFailed(ILogger logger, Exception exception, KubeTarget target);

    [LoggerMessage(EventId = LogEvents.WatchFailed, Level = LogLevel.Warning, Message = "Watch of {Target} failed; retrying in about {Backoff}")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, KubeTarget target, TimeSpan backoff);
}
