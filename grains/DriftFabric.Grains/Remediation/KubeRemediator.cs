using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources;
using DriftFabric.Sources.Kubernetes;
using k8s;

namespace DriftFabric.Grains.Remediation;

/// <summary>
/// The remediator of Kubernetes objects: a revert through <see cref="KubeReverter"/> (server-side
/// apply, or a delete when asked), on the cluster's API server where its watch reads the kind.
/// It takes every revert that no more particular remediator does. One per activation of the
/// cluster's remediation grain: it keeps that activation's connection to the API server.
/// </summary>
/// <param name="cluster">The cluster's key (<c>tenant/cluster</c>), as its results name it.</param>
/// <param name="watchedTarget">Where the cluster's watch reads a resource (null: not watched, or not connected).</param>
internal sealed class KubeRemediator(
    string cluster,
    IKubeClientFactory kubeClients,
    SecretDigest digest,
    Func<string, Task<WatchedTarget?>> watchedTarget) : IRemediator, IDisposable
{
    private IKubernetes? _client;
    private KubeEndpoint? _clientFor;

    public bool ActsOnTheSet => false;

    public bool CanActOn(ResourceState input, RemediationScope scope) => scope.Request.Action == RemediationRequest.Revert;

    public async Task<Remediated> RemediateAsync(IReadOnlyList<ResourceState> inputs, RemediationScope scope)
    {
        var results = new List<RemediationResult>(inputs.Count);
        foreach (var input in inputs)
        {
            results.Add(await RevertAsync(input, scope));
        }

        return new Remediated(results);
    }

    /// <summary>
    /// Why <paramref name="input"/> is not reverted before anything is read or written (null: it
    /// may be): a cluster read from a snapshot, an unmanaged object not asked to be deleted, an
    /// object the code does not declare.
    /// </summary>
    internal static RemediationResult? Refusal(ResourceState input, RemediationScope scope, string cluster)
    {
        RemediationResult Result(string message) => new(input.Resource, RemediationOutcome.Skipped, message, []);
        if (scope.Config?.Kube is null)
        {
            return Result($"cluster {cluster} is read from a snapshot: there is nothing to write to");
        }

        var unmanaged = input.Drifts.Any(d => d.Kind == DriftKind.Unmanaged);
        if (unmanaged && !scope.Request.DeleteUnmanaged)
        {
            return Result("an unmanaged object is deleted only when asked explicitly (deleteUnmanaged), never by a revert");
        }

        if (!ResourceKey.TryParse(input.Resource, out _) || (input.Desired is null && !unmanaged) || (unmanaged && input.Live is null))
        {
            return Result("not declared in the code: nothing to revert to");
        }

        return null;
    }

    /// <summary>One object put back as the code declares it (or deleted, when unmanaged and asked) through the cluster's API server.</summary>
    private async Task<RemediationResult> RevertAsync(ResourceState input, RemediationScope scope)
    {
        if (Refusal(input, scope, cluster) is { } refused)
        {
            return refused;
        }

        RemediationResult Result(RemediationOutcome outcome, string message) => new(input.Resource, outcome, message, []);
        _ = ResourceKey.TryParse(input.Resource, out var key); // it parses: not refused

        // Where the cluster's watch reads it: the kind as the API server serves it, found by discovery when the watch started.
        if (await watchedTarget(input.Resource) is not { } watched)
        {
            return Result(RemediationOutcome.Failed, $"{key.Group}/{key.Kind} in {key.Namespace} is not watched on this cluster's API server (or its watch is not connected)");
        }

        var target = new KubeTarget(watched.Group, watched.Version, watched.Kind, watched.Plural, watched.Namespaced, watched.Namespace);
        IKubernetes client;
        try
        {
            client = Client(scope.Config!.Kube!);
        }
        catch (k8s.Exceptions.KubeConfigException e)
        {
            return Result(RemediationOutcome.Failed, $"not reverted: cluster {cluster}'s kubeconfig does not read: {e.Message}");
        }

        var reverter = new KubeReverter(client, digest);
        if (input.Drifts.Any(d => d.Kind == DriftKind.Unmanaged))
        {
            var deleted = await reverter.DeleteAsync(target, input.Resource, input.Live!, scope.Request.DryRun);
            return new RemediationResult(input.Resource, deleted.Outcome, deleted.Message, deleted.Changes);
        }

        var reverted = await reverter.RevertAsync(target, new RevertRequest(input.Resource, input.Desired!, input.Live, [.. input.Drifts.Select(d => d.Path)])
        {
            AddedPaths = [.. input.Drifts.Where(d => d.Kind == DriftKind.Added).Select(d => d.Path)],
        }, scope.Request.DryRun);
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

    public void Dispose()
    {
        _client?.Dispose();
        _client = null;
    }
}
