using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using DriftFabric.Sources.Kubernetes;
using Microsoft.Extensions.Logging;
using k8s;

namespace DriftFabric.Grains.Remediation;

/// <summary>
/// One cluster's remediations (key: the cluster's, <c>tenant/cluster</c>), one at a time: the
/// grain's own queue. Each asks the service for what it judged (desired, live and drifts per
/// resource), puts it right through the remediator of its target (Kubernetes server-side apply
/// through its own API connection, a proxy through its proxy grain, the code through git), and
/// records every real action on the service. Services and the API call it directly; it calls the
/// cluster grain only to read its configuration, so no call goes round a cycle.
/// </summary>
[GrainType("driftfabric.remediation")]
public sealed partial class RemediationGrain(
    IKubeClientFactory kubeClients,
    Engine.Comparison.SecretDigest digest,
    TimeProvider time,
    ILogger<RemediationGrain> logger) : Grain, IRemediationGrain
{
    private IKubernetes? _client;
    private KubeEndpoint? _clientFor;

    private string Key => this.GetPrimaryKeyString();

    public async Task<RemediationReport> Remediate(RemediationRequest request)
    {
        if (request.Action is not (RemediationRequest.Revert or RemediationRequest.Adopt))
        {
            throw new ArgumentException($"'{request.Action}' is not an action a remediation takes (revert, adopt)", nameof(request));
        }

        if (ClusterKeys.Of(request.Service.Tenant, request.Service.Cluster) != Key)
        {
            throw new ArgumentException($"service {request.Service.Key} is not of cluster {Key}", nameof(request));
        }

        var service = GrainFactory.GetGrain<IServiceGrain>(request.Service.Key);
        var inputs = await service.GetRemediationInputs(request.Resource);
        RemediationReport report;
        if (request.Action == RemediationRequest.Adopt)
        {
            report = await Adoption.AdoptAsync(request, inputs, time.GetUtcNow());
        }
        else
        {
            var cluster = GrainFactory.GetGrain<IClusterGrain>(Key);
            var config = await cluster.GetConfig();
            var proxies = await cluster.GetProxies();
            var results = new List<RemediationResult>();
            foreach (var input in inputs)
            {
                try
                {
                    results.Add(await RevertAsync(input, request, config, proxies));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A result and an event, never an escape that leaves the rest of the set undone.
                    var secret = ResourceKey.TryParse(input.Resource, out var key) && key.IsSecret;
                    LogRevertFailed(logger, secret ? null : e, request.Service.Key, input.Resource, e.GetType().Name);
                    results.Add(new RemediationResult(input.Resource, RemediationOutcome.Failed, $"not reverted: unexpected {e.GetType().Name}{(secret ? string.Empty : ": " + e.Message)}", []));
                }
            }

            report = new RemediationReport(request.Service, request.Action, request.DryRun, results);
        }

        // Every real action is recorded against the drifts it acted on (the watch may have seen them resolve meanwhile).
        if (!request.DryRun)
        {
            foreach (var result in report.Results.Where(r => r.Outcome != RemediationOutcome.InSync))
            {
                var acted = inputs.FirstOrDefault(i => i.Resource == result.Resource)?.Drifts ?? [];
                await service.RecordRemediation(result.Resource, new RemediationNote(request.Actor, request.Action, result.Outcome, result.Message, result.Changes), acted);
            }
        }

        return report;
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
                    await service.RecordRemediation(group.Key, new RemediationNote(request.Actor, request.Action, RemediationOutcome.Failed, $"not {verb}: {e.Message}", []), [.. group]);
                }
            }
            catch (Exception recording) when (recording is not OperationCanceledException)
            {
                LogRemediationFailed(logger, recording, request.Service.Key, request.Resource);
            }
        }
    }

    /// <summary>One resource put back as the code declares it: a proxy through its grain, a Kubernetes object through the cluster's API server.</summary>
    private async Task<RemediationResult> RevertAsync(ResourceState input, RemediationRequest request, ClusterConfig? config, IReadOnlyList<ProxyStatus> proxies)
    {
        RemediationResult Result(RemediationOutcome outcome, string message) => new(input.Resource, outcome, message, []);
        var parsed = ResourceKey.TryParse(input.Resource, out var key);
        if (parsed && key.IsProxy && config is not null && proxies.Any(p => p.Name == key.Name))
        {
            return await GrainFactory.GetGrain<IProxyGrain>(ProxyKeys.Of(config.Tenant, config.Cluster, key.Name)).Revert(request.DryRun);
        }

        if (config?.Kube is not { } kube)
        {
            return Result(RemediationOutcome.Skipped, $"cluster {Key} is read from a snapshot: there is nothing to write to");
        }

        var unmanaged = input.Drifts.Any(d => d.Kind == DriftKind.Unmanaged);
        if (unmanaged && !request.DeleteUnmanaged)
        {
            return Result(RemediationOutcome.Skipped, "an unmanaged object is deleted only when asked explicitly (deleteUnmanaged), never by a revert");
        }

        if (!parsed || (input.Desired is null && !unmanaged) || (unmanaged && input.Live is null))
        {
            return Result(RemediationOutcome.Skipped, "not declared in the code: nothing to revert to");
        }

        // Where the cluster's watch reads it: the kind as the API server serves it, found by discovery when the watch started.
        if (await GrainFactory.GetGrain<IClusterGrain>(Key).GetWatchedTarget(input.Resource) is not { } watched)
        {
            return Result(RemediationOutcome.Failed, $"{key.Group}/{key.Kind} in {key.Namespace} is not watched on this cluster's API server (or its watch is not connected)");
        }

        var target = new KubeTarget(watched.Group, watched.Version, watched.Kind, watched.Plural, watched.Namespaced, watched.Namespace);
        IKubernetes client;
        try
        {
            client = Client(kube);
        }
        catch (k8s.Exceptions.KubeConfigException e)
        {
            return Result(RemediationOutcome.Failed, $"not reverted: cluster {Key}'s kubeconfig does not read: {e.Message}");
        }

        var reverter = new KubeReverter(client, digest);
        if (unmanaged)
        {
            var deleted = await reverter.DeleteAsync(target, input.Resource, input.Live!, request.DryRun);
            return new RemediationResult(input.Resource, deleted.Outcome, deleted.Message, deleted.Changes);
        }

        var reverted = await reverter.RevertAsync(target, new RevertRequest(input.Resource, input.Desired!, input.Live, [.. input.Drifts.Select(d => d.Path)])
        {
            AddedPaths = [.. input.Drifts.Where(d => d.Kind == DriftKind.Added).Select(d => d.Path)],
        }, request.DryRun);
        return new RemediationResult(input.Resource, reverted.Outcome, reverted.Message, reverted.Changes);
    }

    /// <summary>This activation's connection to the cluster's API server (a new one when the endpoint changed).</summary>
    private IKubernetes Client(KubeEndpoint kube)
    {
        if (_client is null || _clientFor != kube)
        {
            _client?.Dispose();
            _client = kubeClients.Create(kube);
            _clientFor = kube;
        }

        return _client;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _client?.Dispose();
        _client = null;
        return Task.CompletedTask;
    }

    // A Secret's failure is logged without its exception: a message might quote a value.
    [LoggerMessage(EventId = LogEvents.RevertFailed, Level = LogLevel.Warning, Message = "Service {Service}: the revert of {Resource} failed unexpectedly ({Error})")]
    private static partial void LogRevertFailed(ILogger logger, Exception? exception, string service, string resource, string error);

    [LoggerMessage(EventId = LogEvents.RemediationFailed, Level = LogLevel.Warning, Message = "Service {Service}: the remediation of {Resource} asked by its policy failed")]
    private static partial void LogRemediationFailed(ILogger logger, Exception exception, string service, string? resource);
}
