using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using Microsoft.Extensions.Logging;
using k8s;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>
/// A cluster's live state through its API server, followed: discovery of the kinds the code
/// declares, the definitions the server serves (the schema it defaults with), a full list (the
/// whole live state in scope), then one list+watch per target (<see cref="KubernetesLiveSource"/>).
/// The connection comes from the <see cref="IKubeClientFactory"/> and lives as long as the source.
/// </summary>
/// <param name="name">The cluster as logs name it (<c>tenant/cluster</c>); errors name it by <paramref name="cluster"/>.</param>
public sealed partial class KubernetesWatchSource(IKubeClientFactory clients, KubeEndpoint endpoint, string cluster, string name, TimeProvider time, ILogger logger) : ILiveSource
{
    /// <summary>How long discovery and the first list may take before the API server counts as unreachable.</summary>
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(30);

    private IKubernetes? _client;
    private KubernetesLiveSource? _stream;
    private IReadOnlyDictionary<string, ResourceDocument> _definitions = new Dictionary<string, ResourceDocument>(StringComparer.Ordinal);
    private IReadOnlyList<string> _definitionErrors = [];

    public bool Follows => true;

    public bool Running => _stream is not null;

    public string Fingerprint() => string.Empty;

    public ManifestSet ReadSnapshot() => new();

    public async Task<LiveListing> FollowAsync(LiveScope scope, bool relist, Func<IReadOnlyList<LiveChange>, Task> onChanges, Func<string?, Task> onHealth)
    {
        if (_stream is not null && !relist && Covers(_stream, scope))
        {
            return LiveListing.Unchanged(_definitions, _definitionErrors, _stream.Unlisted);
        }

        await StopAsync();
        try
        {
            _client ??= clients.Create(endpoint);
            var client = _client;
            using var timeout = new CancellationTokenSource(ListTimeout);
            List<KubeTarget> targets;
            List<string> errors;
            try
            {
                (targets, errors) = await Task.Run(() => KubeDiscovery.ResolveAsync(client, scope.Kinds, scope.Namespaces, timeout.Token));
            }
            catch (Exception e) when (KubeAnswers.IsRefusalOrGarbage(e))
            {
                // Answered, but refused (401: every request will be) or not Kubernetes JSON: nothing can be listed.
                LogDiscoveryFailed(logger, e, name);
                return new LiveListing { Unreachable = $"live {cluster}: API discovery failed: {KubeAnswers.Describe(e, KubeAnswers.ServerOf(client))}; nothing is watched", Definitions = _definitions, DefinitionErrors = _definitionErrors };
            }

            var (definitions, definitionErrors) = await Task.Run(() => KubeDiscovery.DefinitionsAsync(client, targets, cluster, timeout.Token));
            _definitions = definitions;
            _definitionErrors = [.. definitionErrors.Select(e => "live " + e)];
            var stream = new KubernetesLiveSource(client, targets, new LiveSourceOptions(endpoint.Qps, endpoint.Burst) { Time = time }, logger);
            var objects = await Task.Run(() => stream.SyncAllAsync(timeout.Token));
            stream.StartWatching(onChanges, onHealth);
            _stream = stream;
            return new LiveListing
            {
                Objects = objects,
                Errors = [.. errors.Select(e => "live " + e)],
                Definitions = _definitions,
                DefinitionErrors = _definitionErrors,
                Unlisted = stream.Unlisted,
            };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or k8s.Autorest.HttpOperationException or k8s.Exceptions.KubeConfigException
            or OperationCanceledException or InvalidDataException or k8s.KubernetesException)
        {
            LogUnreachable(logger, e, name);
            var reason = _client is { } client && KubeAnswers.IsAnswerProblem(e) ? KubeAnswers.Describe(e, KubeAnswers.ServerOf(client)) : e.Message;
            return new LiveListing { Unreachable = $"live {cluster}: unreachable: {reason}", Definitions = _definitions, DefinitionErrors = _definitionErrors };
        }
    }

    public WatchedTarget? TargetOf(ResourceKey key)
    {
        if (_stream is not { } stream)
        {
            return null;
        }

        var group = key.Group == ResourceKey.CoreGroup ? string.Empty : key.Group;
        var target = stream.Targets.FirstOrDefault(t => t.Group == group && t.Kind == key.Kind && (!t.Namespaced || t.Namespace == key.Namespace) && !stream.IsUnlisted(t));
        return target is null ? null : new WatchedTarget(target.Group, target.Version, target.Kind, target.Plural, target.Namespaced, target.Namespace);
    }

    /// <summary>Stops the stream and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client?.Dispose();
        _client = null;
    }

    private async Task StopAsync()
    {
        if (_stream is { } stream)
        {
            _stream = null;
            await stream.DisposeAsync();
        }
    }

    /// <summary>True when the running stream watches exactly the kinds and namespaces asked for.</summary>
    private static bool Covers(KubernetesLiveSource stream, LiveScope scope) =>
        stream.Targets.Select(t => (t.Group.Length == 0 ? "core" : t.Group, t.Kind)).Distinct().Order().SequenceEqual(scope.Kinds.Order())
        && stream.Targets.Where(t => t.Namespace is not null).Select(t => t.Namespace!).Distinct().Order(StringComparer.Ordinal)
            .SequenceEqual(scope.Namespaces.Order(StringComparer.Ordinal));

    [LoggerMessage(EventId = LogEvents.WatchDiscoveryFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster}: API discovery was refused or answered wrong")]
    private static partial void LogDiscoveryFailed(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterUnreachable, Level = LogLevel.Warning, Message = "Cluster {Cluster}: the API server is unreachable")]
    private static partial void LogUnreachable(ILogger logger, Exception exception, string cluster);
}
