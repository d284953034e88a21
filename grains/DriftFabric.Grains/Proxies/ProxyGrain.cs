using System.IO.Hashing;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using DriftFabric.Sources.Proxies;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Proxies;

[GenerateSerializer, Alias("driftfabric.ProxyGrainState")]
public sealed class ProxyGrainState
{
    [Id(0)]
    public ProxyConfig? Config { get; set; }

    /// <summary>The drifts of the last judgement (secret values sealed).</summary>
    [Id(1)]
    public List<DriftRecord> Drifts { get; set; } = [];

    [Id(2)]
    public ProxyStatus? Status { get; set; }

    /// <summary>True once the proxy was judged: before that, it has no drifts to give, not none.</summary>
    [Id(3)]
    public bool Judged { get; set; }

    /// <summary>The cluster holds <see cref="Drifts"/> for the services of <see cref="Config"/>.</summary>
    [Id(4)]
    public bool DriftsDelivered { get; set; }

    /// <summary>The cluster holds <see cref="Status"/> (but for when it was last read).</summary>
    [Id(5)]
    public bool StatusDelivered { get; set; }
}

/// <summary>
/// One proxy (key <c>tenant/cluster/proxy</c>). Every poll interval it reads what the proxy runs
/// (and its declared config when that file changed) and judges the two only when either changed.
/// What is new (drifts, or a state such as unreachable) goes to its cluster, which hands the
/// drifts to the services the proxy fronts: they publish the transitions like any other drift.
/// A proxy that is down, slow or answers garbage keeps its last drifts and says why it cannot
/// be read; nothing is resolved because a proxy could not be asked.
/// </summary>
[GrainType("driftfabric.proxy")]
public sealed partial class ProxyGrain(
    [PersistentState("proxy", StorageNames.Grains)] IPersistentState<ProxyGrainState> state,
    TimeProvider time,
    Fleet.PolicyCache policies,
    ProxyAdmins admins,
    ILogger<ProxyGrain> logger) : Grain, IProxyGrain
{
    private IGrainTimer? _poll;
    private byte[]? _desired;
    private string? _desiredFingerprint;
    private UInt128? _judged;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Config is { } config)
        {
            // Back after a deactivation or a silo's death: polling resumes where it was.
            StartPolling(config.PollInterval, TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task<ProxyStatus> Configure(ProxyConfig config)
    {
        if (!config.Equals(state.State.Config))
        {
            if (state.State.Config is { } previous && previous.Kind != config.Kind)
            {
                // Another kind is another resource (caddy/Proxy/_/edge is not envoy/Proxy/_/edge):
                // the old one's drifts leave the services before the new one is judged.
                await WithdrawAsync(previous);
                state.State.Judged = false;
                state.State.Drifts = [];
            }

            state.State.Config = config;
            state.State.DriftsDelivered = false;
            state.State.StatusDelivered = false;
            _desired = null;
            _judged = null;
            await state.WriteAsync(GrainContext, logger);
        }

        StartPolling(config.PollInterval, config.PollInterval);
        // A load of the fleet spec never fails on one proxy: what could not be delivered goes at the next poll.
        await Poll(CancellationToken.None);
        return StatusOf(config);
    }

    public Task<ProxyStatus> Ensure(ProxyConfig config) =>
        _poll is not null && config.Equals(state.State.Config) ? Task.FromResult(StatusOf(config)) : Configure(config);

    public async Task<ProxyStatus?> Check()
    {
        await CheckAsync();
        return state.State.Config is { } config ? StatusOf(config) : null;
    }

    public async Task Retire()
    {
        _poll?.Dispose();
        _poll = null;
        if (state.State.Config is { } config)
        {
            await WithdrawAsync(config);
        }

        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    /// <summary>Has the cluster take this proxy's drifts back from its services and forget it.</summary>
    private Task WithdrawAsync(ProxyConfig config) =>
        GrainFactory.GetGrain<IClusterGrain>(ClusterKeys.Of(config.Tenant, config.Cluster)).ForgetProxy(config.Name);

    public async Task<RemediationResult> Revert(bool dryRun)
    {
        var config = state.State.Config ?? throw new InvalidOperationException($"proxy {this.GetPrimaryKeyString()} is not configured");
        var kind = config.Kind;
        var resourceKey = ProxyComparison.Resource(kind, config.Name);
        var resource = resourceKey.ToString();
        RemediationResult Result(RemediationOutcome outcome, string message, IReadOnlyList<FieldChange>? changes = null) => new(resource, outcome, message, changes ?? []);
        if (kind == ProxyKind.Envoy)
        {
            return Result(RemediationOutcome.Skipped, "an Envoy sidecar takes its config from its control plane: push it again from there (e.g. restart the pod or istiod's push)");
        }

        if (!ProxyEndpoints.IsHttp(config.Admin) && !ProxyEndpoints.IsSocket(config.Admin))
        {
            return Result(RemediationOutcome.Skipped, $"the proxy is read from a file ({config.Admin}): there is nothing to write to");
        }

        // Caddy is put back whole: paths the fleet's ignore rules leave to the proxy would be overwritten too.
        var ignored = PolicyOf(config).IgnoredPaths(resourceKey);
        if (kind == ProxyKind.Caddy && ignored.Count > 0)
        {
            return Result(RemediationOutcome.Skipped, $"not reverted: ignore rules leave {string.Join(", ", ignored)} to the proxy, and loading the declared config would overwrite them; revert the drifted paths by hand");
        }

        try
        {
            var desired = await ReadDesiredAsync(config);
            string? etag = null;
            byte[] running;
            if (kind == ProxyKind.Caddy)
            {
                (running, etag) = await admins.Caddy.ReadAsync(config.Admin, config.Timeout);
            }
            else
            {
                running = await admins.ReadLiveAsync(kind, config.Admin, config.Timeout);
            }

            var found = Compare(config, desired, running);
            var now = time.GetUtcNow();
            if (!SameDrifts([.. found.Select(d => DriftRecords.From(d, now))], state.State.Drifts))
            {
                return Result(RemediationOutcome.ChangedSinceDetection, "not reverted: the proxy changed after its drift was reported; it is judged again first");
            }

            var changes = found.Select(d => new FieldChange(d.Path, d.Live?.ToJson(), d.Desired?.ToJson())).ToList();
            if (changes.Count == 0)
            {
                return Result(RemediationOutcome.InSync, "nothing to change: the proxy runs its declared config");
            }

            if (kind == ProxyKind.Caddy)
            {
                if (dryRun)
                {
                    return Result(RemediationOutcome.WouldChange, $"would load the declared config ({config.DesiredPath}) through {config.Admin}", changes);
                }

                await admins.Caddy.LoadAsync(config.Admin, desired, etag, config.Timeout);
                _judged = null;
                return Result(RemediationOutcome.Reverted, $"loaded the declared config ({config.DesiredPath}) through {config.Admin}{(etag is null ? string.Empty : ", on the condition that it ran the config judged")}", changes);
            }

            var (commands, unfixable) = HaproxyRemedy.Commands(found);
            var left = unfixable.Count == 0 ? string.Empty
                : $"; {unfixable.Count} server{(unfixable.Count == 1 ? " or backend is" : "s or backends are")} missing or added, which the runtime API cannot change (reload HAProxy with its config)";
            var fixable = changes.Where(c => !unfixable.Exists(u => u.Path == c.Path)).ToList();
            if (commands.Count == 0)
            {
                return Result(RemediationOutcome.Skipped, "not reverted" + left, []);
            }

            if (dryRun)
            {
                return Result(RemediationOutcome.WouldChange, $"would send {string.Join("; ", commands)}{left}", fixable);
            }

            await HaproxyRuntimeApi.RunAsync(config.Admin, commands, config.Timeout);
            _judged = null;
            return Result(RemediationOutcome.Reverted, $"sent {string.Join("; ", commands)}{left}", fixable);
        }
        catch (ProxyChangedException e)
        {
            return Result(RemediationOutcome.ChangedSinceDetection, "not reverted: " + e.Message + "; it is judged again first");
        }
        catch (ProxyReadException e)
        {
            return Result(RemediationOutcome.Failed, "not reverted: " + e.Message);
        }
    }

    public Task<ProxyStatus?> GetStatus() => Task.FromResult(state.State.Config is { } config ? StatusOf(config) : null);

    public Task<IReadOnlyList<DriftRecord>> GetDrifts() => Task.FromResult<IReadOnlyList<DriftRecord>>([.. state.State.Drifts]);

    /// <summary>The status of the last read, or, before one, that the configured proxy is pending.</summary>
    private ProxyStatus StatusOf(ProxyConfig config) =>
        state.State.Status ?? new ProxyStatus(config.Name, config.Kind, config.Admin, ProxyState.Pending, null, null, null, Resource(config), config.Services, 0, null);

    private void StartPolling(TimeSpan interval, TimeSpan due)
    {
        _poll?.Dispose();
        _poll = this.RegisterGrainTimer(Poll, new GrainTimerCreationOptions { DueTime = due, Period = interval, KeepAlive = true });
    }

    private async Task Poll(CancellationToken cancellationToken)
    {
        try
        {
            await CheckAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Storage or the cluster failed: what was not delivered is delivered at the next poll.
            LogPollFailed(logger, e, this.GetPrimaryKeyString());
        }
    }

    private static string Resource(ProxyConfig config) => ProxyComparison.Resource(config.Kind, config.Name).ToString();

    /// <summary>Reads the proxy, judges it when anything changed, and delivers what is news to the cluster.</summary>
    private async Task CheckAsync()
    {
        if (state.State.Config is not { } config)
        {
            return;
        }

        var now = time.GetUtcNow();
        var (next, error) = (ProxyState.Ok, (string?)null);
        try
        {
            Judge(config, await ReadDesiredAsync(config), await admins.ReadLiveAsync(config.Kind, config.Admin, config.Timeout), now);
        }
        catch (ProxyReadException e)
        {
            (next, error) = (e.Problem == ProxyProblem.Invalid ? ProxyState.Invalid : ProxyState.Unreachable, e.Message);
        }

        var previous = state.State.Status;
        if (next != ProxyState.Ok && previous?.State != next)
        {
            LogCannotRead(logger, config.Key, next, error);
        }
        else if (next == ProxyState.Ok && previous?.State is ProxyState.Unreachable or ProxyState.Invalid)
        {
            LogReadAgain(logger, config.Key);
        }

        var worst = state.State.Drifts.Count == 0 ? (Severity?)null : state.State.Drifts.Max(d => d.Severity);
        var since = previous is not null && previous.State == next && previous.Error == error ? previous.Since : now;
        var status = new ProxyStatus(config.Name, config.Kind, config.Admin, next, error, since, now, Resource(config), config.Services, state.State.Drifts.Count, worst);
        state.State.Status = status;
        if (previous is null || !previous.SameAs(status))
        {
            state.State.StatusDelivered = false;
        }

        await DeliverAsync(config);
    }

    /// <summary>Compares the two configs unless neither changed since the last judgement; keeps each drift's onset.</summary>
    private void Judge(ProxyConfig config, byte[] desired, byte[] live, DateTimeOffset now)
    {
        var hash = new XxHash128();
        hash.Append(desired);
        hash.Append(BitConverter.GetBytes(desired.Length));
        hash.Append(live);
        hash.Append(System.Text.Encoding.UTF8.GetBytes(config.Policy.Hash));
        var judged = hash.GetCurrentHashAsUInt128();
        if (judged == _judged && state.State.Judged)
        {
            return;
        }

        var before = state.State.Drifts.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var drifts = Compare(config, desired, live).Select(d => DriftRecords.From(d, now)).Select(d => before.TryGetValue(d.Id, out var old) ? d with { OnsetAt = old.OnsetAt } : d).ToList();
        _judged = judged;
        if (!state.State.Judged || !SameDrifts(drifts, state.State.Drifts))
        {
            state.State.Drifts = drifts;
            state.State.Judged = true;
            state.State.DriftsDelivered = false;
        }
    }

    /// <summary>The drifts of the running config from the declared one, by the proxy's kind and the fleet's policy.</summary>
    private IReadOnlyList<Engine.Comparison.Drift> Compare(ProxyConfig config, byte[] desired, byte[] live) =>
        ProxyComparison.Compare(config.Kind, ProxyComparison.Resource(config.Kind, config.Name), desired, config.DesiredPath, live, config.Admin, PolicyOf(config));

    /// <summary>The fleet's policy for the proxy. Proxies have no namespace: it is the same whichever default the engine keeps.</summary>
    private Engine.Policy.DriftPolicy PolicyOf(ProxyConfig config) => policies.EngineFor(config.Policy, "default").Policy;

    /// <summary>The same drifts, each the same way (onset times aside).</summary>
    private static bool SameDrifts(List<DriftRecord> found, List<DriftRecord> held)
    {
        var byId = held.ToDictionary(d => d.Id, StringComparer.Ordinal);
        return found.Count == byId.Count && found.All(d => byId.TryGetValue(d.Id, out var old) && d.SameAs(old));
    }

    /// <summary>The declared config, read again only when its file changed; an unreadable one is the proxy's config being invalid.</summary>
    private async Task<byte[]> ReadDesiredAsync(ProxyConfig config)
    {
        var info = new FileInfo(config.DesiredPath);
        var fingerprint = info.Exists ? $"{info.Length}|{info.LastWriteTimeUtc.Ticks}" : "missing";
        if (_desired is not null && fingerprint == _desiredFingerprint)
        {
            return _desired;
        }

        try
        {
            _desired = await ProxyConfigFile.ReadAsync(config.DesiredPath);
            _desiredFingerprint = fingerprint;
            return _desired;
        }
        catch (ProxyReadException e) when (e.Problem == ProxyProblem.Unreachable)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, e.Origin, "the declared config " + e.Detail[(e.Detail.IndexOf(':', StringComparison.Ordinal) + 2)..], inner: e);
        }
    }

    /// <summary>
    /// Sends the cluster what it does not have yet: the status, and the drifts once judged; then
    /// stores what was sent, or, on a failure (the cluster's silo just died), that it is still to be
    /// sent at the next poll.
    /// </summary>
    private async Task DeliverAsync(ProxyConfig config)
    {
        var sendDrifts = state.State.Judged && !state.State.DriftsDelivered;
        if (!sendDrifts && state.State.StatusDelivered)
        {
            return;
        }

        try
        {
            var report = new ProxyReport(state.State.Status!, sendDrifts ? [.. state.State.Drifts] : null);
            await GrainFactory.GetGrain<IClusterGrain>(ClusterKeys.Of(config.Tenant, config.Cluster)).ObserveProxy(report);
            state.State.DriftsDelivered |= sendDrifts;
            state.State.StatusDelivered = true;
        }
        finally
        {
            await state.WriteAsync(GrainContext, logger);
        }
    }

    [LoggerMessage(EventId = LogEvents.ProxyUnreadable, Level = LogLevel.Warning, Message = "Proxy {Proxy} is {State}: {Error}; its drifts stand as last judged")]
    private static partial void LogCannotRead(ILogger logger, string proxy, ProxyState state, string? error);

    [LoggerMessage(EventId = LogEvents.ProxyReadAgain, Level = LogLevel.Information, Message = "Proxy {Proxy} is read again")]
    private static partial void LogReadAgain(ILogger logger, string proxy);

    [LoggerMessage(EventId = LogEvents.ProxyPollFailed, Level = LogLevel.Warning, Message = "Proxy {Proxy} could not be checked or could not report; it tries again at the next poll")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string proxy);
}
