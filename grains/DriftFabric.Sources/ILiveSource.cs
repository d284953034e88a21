using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Sources;

/// <summary>
/// Where a cluster's live state comes from. A polled source (a snapshot of <c>kubectl get</c>
/// output) is read whole at each poll, like the code. A followed source (a Kubernetes watch) can
/// only start once the code was read, since it lists just the kinds and namespaces the code
/// declares; from then on it streams changes to the sink it was given.
/// </summary>
public interface ILiveSource : IAsyncDisposable
{
    /// <summary>True when the objects come from <see cref="FollowAsync"/> and its stream, none from <see cref="ReadSnapshot"/>.</summary>
    bool Follows { get; }

    /// <summary>False while a followed source has no stream running (not started yet, or it could not be): the next poll starts it.</summary>
    bool Running { get; }

    /// <summary>Cheap to take, different after any edit of a polled source; a followed source has none (empty).</summary>
    string Fingerprint();

    /// <summary>The objects a polled source holds now, and its errors; a followed source gives an empty set.</summary>
    ManifestSet ReadSnapshot();

    /// <summary>
    /// Lists what <paramref name="scope"/> names and streams its changes to <paramref name="onChanges"/>
    /// (and the stream's health to <paramref name="onHealth"/>: a problem, or null once well again).
    /// A stream that already covers the scope is kept, unless <paramref name="relist"/>. A polled
    /// source has nothing to follow and answers <see cref="LiveListing.Unchanged"/> at once.
    /// </summary>
    Task<LiveListing> FollowAsync(LiveScope scope, bool relist, Func<IReadOnlyList<LiveChange>, Task> onChanges, Func<string?, Task> onHealth);

    /// <summary>Where the source reads a resource's kind in its namespace; null when it does not follow it.</summary>
    WatchedTarget? TargetOf(ResourceKey key);
}

/// <summary>What a followed source is asked to list and watch: the kinds (by group) the code declares, in the namespaces it uses.</summary>
public sealed record LiveScope(IReadOnlyCollection<(string Group, string Kind)> Kinds, IReadOnlyCollection<string> Namespaces);

/// <summary>A live object that appeared or changed (<see cref="Object"/> set) or was deleted (null), by its resource key.</summary>
public sealed record LiveChange(string Key, MapNode? Object);

/// <summary>
/// What <see cref="ILiveSource.FollowAsync"/> found: the whole live state in scope (after a new
/// list), or that the running stream already covers it (<see cref="IsUnchanged"/>), or that the
/// source could not be reached (<see cref="Unreachable"/>).
/// </summary>
public sealed class LiveListing
{
    /// <summary>Nothing new: the stream that runs covers the scope, or the source is polled.</summary>
    public static LiveListing Unchanged(IReadOnlyDictionary<string, ResourceDocument>? definitions = null, IReadOnlyList<string>? definitionErrors = null, IReadOnlyList<UnlistedKind>? unlisted = null) =>
        new() { IsUnchanged = true, Definitions = definitions ?? Empty, DefinitionErrors = definitionErrors ?? [], Unlisted = unlisted ?? [] };

    private static readonly IReadOnlyDictionary<string, ResourceDocument> Empty = System.Collections.ObjectModel.ReadOnlyDictionary<string, ResourceDocument>.Empty;

    public bool IsUnchanged { get; init; }

    /// <summary>Every object in scope, by resource key, when the source listed them.</summary>
    public List<(string Key, MapNode Object)> Objects { get; init; } = [];

    /// <summary>What could not be listed (a kind the server does not serve), each naming its source.</summary>
    public List<string> Errors { get; init; } = [];

    /// <summary>Why the source could not be reached at all (an API server down); null when it could.</summary>
    public string? Unreachable { get; init; }

    /// <summary>The CustomResourceDefinitions the source serves (the schema it defaulted its objects with), by <c>group/Kind</c>.</summary>
    public IReadOnlyDictionary<string, ResourceDocument> Definitions { get; init; } = Empty;

    /// <summary>What the source could not say about a definition: an error of the cluster for as long as the stream runs.</summary>
    public IReadOnlyList<string> DefinitionErrors { get; init; } = [];

    /// <summary>
    /// The kinds the server would not list (refused, or answered what is not Kubernetes JSON), in
    /// their namespace: their live state is unknown, not absent, for as long as the stream runs.
    /// </summary>
    public IReadOnlyList<UnlistedKind> Unlisted { get; init; } = [];
}

/// <summary>A kind (by group, <c>core</c> for the core group) a followed source could not list in a namespace (null: cluster-scoped), with why, naming the server.</summary>
public sealed record UnlistedKind(string Group, string Kind, string? Namespace, string Error);
