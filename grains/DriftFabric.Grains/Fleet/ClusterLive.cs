using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// A cluster's live source as its grain uses it, for one activation: what a followed source
/// lists goes into the load, routed to the services the code gives each object to, and every
/// batch it streams is split into one ordered batch per service. The grain hands in where
/// streamed changes go; a polled source's objects come with the load (<see cref="ClusterSources.Load"/>).
/// </summary>
internal sealed class ClusterLive(ILiveSource source, ClusterConfig config, SecretDigest digest)
{
    private readonly LiveRoutes _routes = new();
    private LiveRouter? _router;
    private LiveListing _served = LiveListing.Unchanged();

    public ILiveSource Source => source;

    /// <summary>Whether a router (the code's kinds and routing) was set: streamed changes can be routed.</summary>
    public bool Routing => _router is not null;

    /// <summary>
    /// Starts the source's stream, or keeps it when it already covers what <paramref name="router"/>
    /// asks for (and no re-list is asked for): then <paramref name="load"/> says live is unchanged.
    /// Otherwise the whole live state goes into <paramref name="load"/>, or why it could not be read.
    /// </summary>
    public async Task FollowAsync(ClusterLoad load, LiveRouter router, bool relist, Func<IReadOnlyList<LiveDocumentChange>, Task> onChanges, Func<string?, Task> onHealth)
    {
        if (!source.Follows)
        {
            // Nothing streams: its router (every declared object's key) need not be kept.
            return;
        }

        _router = router;

        var listing = await source.FollowAsync(new LiveScope(router.Kinds, router.Namespaces), relist, changes => onChanges(Documents(changes)), onHealth);
        _served = listing;
        if (listing.Unreachable is { } problem)
        {
            load.LiveUsable = false;
            load.LiveUnreachable = true;
            load.Errors.Add(problem);
        }
        else if (listing.IsUnchanged)
        {
            load.LiveUsable = false;
            load.LiveUnchanged = true;
            LeaveOutUnlisted(load, listing.Unlisted);
        }
        else
        {
            load.Errors.AddRange(listing.Errors);
            LeaveOutUnlisted(load, listing.Unlisted);
            _routes.Clear();
            foreach (var (key, obj) in listing.Objects)
            {
                var manifest = new Manifest(obj, new SourceLocation(config.Cluster, 0));
                if (ResourceKey.TryParse(key, out var resource) && router.Route(resource, manifest) is { } service)
                {
                    _routes.Set(key, service);
                    ClusterSources.Add(load.Live, service, resource, manifest, digest);
                }
            }

            load.LiveUsable = true;
        }
    }

    /// <summary>
    /// A kind the server would not list (RBAC's 403, an answer that is not Kubernetes JSON) has
    /// an unknown live state, not an absent one: its declared objects are left out of what the
    /// services judge (none turns into a false <c>Missing</c>), and the cluster is degraded with
    /// the error naming kind, namespace and server. The other kinds are judged as usual.
    /// </summary>
    private static void LeaveOutUnlisted(ClusterLoad load, IReadOnlyList<UnlistedKind> unlisted)
    {
        if (unlisted.Count == 0)
        {
            return;
        }

        load.Errors.AddRange(unlisted.Select(u => "live " + u.Error));
        load.PartlyUsable = true;
        foreach (var documents in load.Desired.Values)
        {
            documents.RemoveAll(d => ResourceKey.TryParse(d.Key, out var key)
                && unlisted.Any(u => u.Group == key.Group && u.Kind == key.Kind && (u.Namespace is null || u.Namespace == key.Namespace)));
        }
    }

    /// <summary>
    /// What the followed source serves is the schema its objects were defaulted with: its
    /// definitions replace the code's, and the ones it could not give stand as errors for as long as it runs.
    /// </summary>
    public void AddServedDefinitions(ClusterLoad load)
    {
        foreach (var (kind, definition) in _served.Definitions)
        {
            load.Definitions[kind] = definition;
        }

        load.Errors.AddRange(_served.DefinitionErrors);
        load.PartlyUsable |= _served.DefinitionErrors.Count > 0;
    }

    /// <summary>Streamed changes, one ordered batch per service (see <see cref="LiveRoutes.Split"/>).</summary>
    public Dictionary<string, List<LiveDocumentChange>> Split(IReadOnlyList<LiveDocumentChange> changes) =>
        _routes.Split(changes, (key, doc) => (TryRoute(key, doc, out var service), service));

    /// <summary>Where the source reads a resource's kind in its namespace; null when it does not, or no stream runs.</summary>
    public WatchedTarget? TargetOf(string resource) => ResourceKey.TryParse(resource, out var key) ? source.TargetOf(key) : null;

    /// <summary>Stops the source: the end of the activation that owns it, or the cluster now names another.</summary>
    public ValueTask CloseAsync() => source.DisposeAsync();

    /// <summary>
    /// The service a streamed object goes to (null: out of scope); false when the document is no
    /// object. Read as parsed JSON in place: a declared object is routed by its key alone.
    /// </summary>
    private bool TryRoute(ResourceKey key, ResourceDocument document, out string? service)
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

    private List<LiveDocumentChange> Documents(IReadOnlyList<LiveChange> changes) =>
        [.. changes.Select(c => new LiveDocumentChange(c.Key, c.Object is { } obj && ResourceKey.TryParse(c.Key, out var key)
            ? ClusterSources.Document(key, new Manifest(obj, new SourceLocation(config.Cluster, 0)), digest)
            : null))];
}
