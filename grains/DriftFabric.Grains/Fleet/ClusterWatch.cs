using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Grains.Kubernetes;
using DriftFabric.Grains.Telemetry;
using k8s;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// A cluster's watch of its API server, owned by one activation of its grain: discovery of the
/// kinds the code declares, the definitions the server serves (the schema it defaults with), a
/// full list (a complete live state, sent with snapshot semantics), one list+watch per target,
/// and the route of every watched object to its service. The grain hands in where its changes go.
/// </summary>
internal sealed partial class ClusterWatch(IKubeClientFactory clients, SecretDigest digest, ILogger logger)
{
    private IKubernetes? _client;
    private KubernetesLiveSource? _source;
    private LiveRouter? _router;

    /// <summary>The definitions the watched API server serves, by <c>group/Kind</c>.</summary>
    public Dictionary<string, ResourceDocument> ServedDefinitions { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>What the server could not say about a kind's definition; an error of the cluster for as long as the watch runs.</summary>
    public List<string> DefinitionErrors { get; private set; } = [];

    public bool Watching => _source is not null;

    /// <summary>Whether a router (the code's kinds and routing) was set: watched changes can be routed.</summary>
    public bool Routing => _router is not null;

    private readonly LiveRoutes _routes = new();

    /// <summary>
    /// Starts the watch, or keeps it when it already covers what <paramref name="router"/> asks for
    /// (and no re-list is asked for): then <paramref name="load"/> says live is unchanged.
    /// Otherwise the whole live state goes into <paramref name="load"/>, or why it could not be read.
    /// </summary>
    public async Task SyncAsync(ClusterConfig config, KubeEndpoint kube, ClusterLoad load, LiveRouter router, bool relist,
        Func<IReadOnlyList<LiveDocumentChange>, Task> onChanges, Func<string?, Task> onHealth)
    {
        _router = router;
        if (_source is not null && !relist && SameScope(_source, router))
        {
            load.LiveUsable = false;
            load.LiveUnchanged = true;
            return;
        }

        await StopAsync();
        try
        {
            _client ??= clients.Create(kube);
            var client = _client;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var (targets, errors) = await Task.Run(() => KubeDiscovery.ResolveAsync(client, router.Kinds, router.Namespaces, timeout.Token));
            load.Errors.AddRange(errors.Select(e => "live " + e));
            var (definitions, definitionErrors) = await Task.Run(() => KubeDiscovery.DefinitionsAsync(client, targets, config.Cluster, timeout.Token));
            ServedDefinitions = definitions;
            DefinitionErrors = [.. definitionErrors.Select(e => "live " + e)];
            var source = new KubernetesLiveSource(client, targets, new LiveSourceOptions(kube.Qps, kube.Burst), logger);
            var objects = await Task.Run(() => source.SyncAllAsync(timeout.Token));
            _routes.Clear();
            foreach (var (key, obj) in objects)
            {
                var manifest = new Manifest(obj, new SourceLocation(config.Cluster, 0));
                if (ResourceKey.TryParse(key, out var resource) && router.Route(resource, manifest) is { } service)
                {
                    _routes.Set(key, service);
                    ClusterSources.Add(load.Live, service, resource, manifest, digest);
                }
            }

            load.LiveUsable = true;
            source.StartWatching(changes => onChanges(Documents(config, changes)), onHealth);
            _source = source;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or k8s.Autorest.HttpOperationException or k8s.Exceptions.KubeConfigException
            or OperationCanceledException or InvalidDataException or k8s.KubernetesException)
        {
            load.LiveUsable = false;
            load.LiveUnreachable = true;
            load.Errors.Add($"live {config.Cluster}: unreachable: {e.Message}");
            LogUnreachable(logger, e, config.Tenant + "/" + config.Cluster);
        }
    }

    /// <summary>Watched changes, one ordered batch per service (see <see cref="LiveRoutes.Split"/>).</summary>
    public Dictionary<string, List<LiveDocumentChange>> Split(IReadOnlyList<LiveDocumentChange> changes, ClusterConfig config) =>
        _routes.Split(changes, (key, doc) => (TryRoute(key, doc, config, out var service), service));

    /// <summary>Where the watch reads a resource's kind in its namespace; null when it does not, or no watch runs.</summary>
    public WatchedTarget? TargetOf(string resource)
    {
        if (_source is not { } source || !ResourceKey.TryParse(resource, out var key))
        {
            return null;
        }

        var group = key.Group == ResourceKey.CoreGroup ? string.Empty : key.Group;
        var target = source.Targets.FirstOrDefault(t => t.Group == group && t.Kind == key.Kind && (!t.Namespaced || t.Namespace == key.Namespace));
        return target is null ? null : new WatchedTarget(target.Group, target.Version, target.Kind, target.Plural, target.Namespaced, target.Namespace);
    }

    public async Task StopAsync()
    {
        if (_source is { } source)
        {
            _source = null;
            await source.DisposeAsync();
        }
    }

    /// <summary>Stops the watch and closes the connection: the end of the activation that owns it.</summary>
    public async Task CloseAsync()
    {
        await StopAsync();
        _client?.Dispose();
        _client = null;
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

    private static bool SameScope(KubernetesLiveSource source, LiveRouter router) =>
        source.Targets.Select(t => (t.Group.Length == 0 ? "core" : t.Group, t.Kind)).Distinct().Order().SequenceEqual(router.Kinds.Order())
        && source.Targets.Where(t => t.Namespace is not null).Select(t => t.Namespace!).Distinct().Order(StringComparer.Ordinal)
            .SequenceEqual(router.Namespaces.Order(StringComparer.Ordinal));

    private List<LiveDocumentChange> Documents(ClusterConfig config, IReadOnlyList<LiveChange> changes) =>
        [.. changes.Select(c => new LiveDocumentChange(c.Key, c.Object is { } obj && ResourceKey.TryParse(c.Key, out var key)
            ? ClusterSources.Document(key, new Manifest(obj, new SourceLocation(config.Cluster, 0)), digest)
            : null))];

    [LoggerMessage(EventId = LogEvents.ClusterUnreachable, Level = LogLevel.Warning, Message = "Cluster {Cluster}: the API server is unreachable")]
    private static partial void LogUnreachable(ILogger logger, Exception exception, string cluster);
}
