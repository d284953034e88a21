using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using DriftFabric.Sources.Kubernetes;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Remediation;

/// <summary>
/// One cluster's remediations (key: the cluster's, <c>tenant/cluster</c>), one at a time: the
/// grain's own queue. Each asks the service for what it judged (desired, live and drifts per
/// resource), hands each resource to the remediator of its target (<see cref="RemediationPlan"/>:
/// <see cref="ProxyRemediator"/>, <see cref="KubeRemediator"/>, <see cref="GitRemediator"/>), and
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
    private IReadOnlyList<IRemediator> _remediators = [];

    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The more particular first: a proxy the cluster has, then Kubernetes (every other revert), then git (adoption).
        _remediators =
        [
            new ProxyRemediator(GrainFactory),
            new KubeRemediator(Key, kubeClients, digest, GrainFactory.GetGrain<IClusterGrain>(Key).GetWatchedTarget),
            new GitRemediator(time),
        ];
        return Task.CompletedTask;
    }

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
        var scope = await ScopeOf(request);
        var results = new List<RemediationResult>();
        string? patch = null;
        string? branch = null;
        foreach (var step in RemediationPlan.Of(inputs, scope, _remediators))
        {
            try
            {
                var done = await step.Remediator.RemediateAsync(step.Inputs, scope);
                results.AddRange(done.Results);
                (patch, branch) = (done.Patch ?? patch, done.Branch ?? branch);
            }
            catch (Exception e) when (e is not OperationCanceledException && !step.Remediator.ActsOnTheSet)
            {
                // A result and an event, never an escape that leaves the rest of the set undone.
                foreach (var input in step.Inputs)
                {
                    var secret = ResourceKey.TryParse(input.Resource, out var key) && key.IsSecret;
                    LogRevertFailed(logger, secret ? null : e, request.Service.Key, input.Resource, e.GetType().Name);
                    results.Add(new RemediationResult(input.Resource, RemediationOutcome.Failed, $"not {Done(request.Action)}: unexpected {e.GetType().Name}{(secret ? string.Empty : ": " + e.Message)}", []));
                }
            }
        }

        var report = new RemediationReport(request.Service, request.Action, request.DryRun, results) { Patch = patch, Branch = branch };

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

    /// <summary>What the remediators are handed of the cluster: a revert writes to it (an adoption only to the code, and reads nothing of it).</summary>
    private async Task<RemediationScope> ScopeOf(RemediationRequest request)
    {
        if (request.Action != RemediationRequest.Revert)
        {
            return new RemediationScope(request, null, []);
        }

        var cluster = GrainFactory.GetGrain<IClusterGrain>(Key);
        var config = await cluster.GetConfig();
        var proxies = await cluster.GetProxies();
        return new RemediationScope(request, config, proxies);
    }

    private static string Done(string action) => action == RemediationRequest.Adopt ? "adopted" : "reverted";

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
                foreach (var group in drifts.GroupBy(d => d.Resource))
                {
                    await service.RecordRemediation(group.Key, new RemediationNote(request.Actor, request.Action, RemediationOutcome.Failed, $"not {Done(request.Action)}: {e.Message}", []), [.. group]);
                }
            }
            catch (Exception recording) when (recording is not OperationCanceledException)
            {
                LogRemediationFailed(logger, recording, request.Service.Key, request.Resource);
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A remediator with a connection of this activation's (the API server's) closes it.
        foreach (var remediator in _remediators.OfType<IDisposable>())
        {
            remediator.Dispose();
        }

        return Task.CompletedTask;
    }

    // A Secret's failure is logged without its exception: a message might quote a value.
    [LoggerMessage(EventId = LogEvents.RevertFailed, Level = LogLevel.Warning, Message = "Service {Service}: the revert of {Resource} failed unexpectedly ({Error})")]
    private static partial void LogRevertFailed(ILogger logger, Exception? exception, string service, string resource, string error);

    [LoggerMessage(EventId = LogEvents.RemediationFailed, Level = LogLevel.Warning, Message = "Service {Service}: the remediation of {Resource} asked by its policy failed")]
    private static partial void LogRemediationFailed(ILogger logger, Exception exception, string service, string? resource);
}
