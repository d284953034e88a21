using System.Text.Json;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Manifests;

/// <summary>
/// One Kubernetes object as read from a file or the API: its tree and where it came from.
/// Desired objects are node trees (from YAML, with lines); live objects from the API are
/// parsed JSON, compared as they are. Each form is built from the other only when asked for.
/// </summary>
public sealed class Manifest
{
    private MapNode? _root;
    private readonly byte[]? _lines;

    // A boxed JsonElement: a reference is published whole, so racing readers never see half a struct.
    private object? _json;
    private MapNode? _comparable;
    private readonly bool _readAsJson;

    public Manifest(MapNode root, SourceLocation location)
    {
        _root = root;
        Location = location;
        var metadata = root.GetMap("metadata");
        _identity = new Identity(
            root.GetString("apiVersion") ?? string.Empty,
            root.GetString("kind") ?? string.Empty,
            metadata?.GetString("name") ?? string.Empty,
            NullIfEmpty(metadata?.GetString("namespace")));
    }

    /// <summary>
    /// A live object as parsed JSON. The element is used in place: the caller keeps its
    /// document alive (undisposed) for as long as it compares this manifest. Its kind, name
    /// and namespace are read when first asked for (comparing needs none of them).
    /// </summary>
    public Manifest(JsonElement root, SourceLocation location)
        : this(root, location, null)
    {
    }

    /// <summary>As <see cref="Manifest(JsonElement, SourceLocation)"/>, with the lines of its fields where it was declared (<see cref="NodeLines"/>).</summary>
    public Manifest(JsonElement root, SourceLocation location, byte[]? lines)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"{location}: a Kubernetes object is a JSON object, not {root.ValueKind}", nameof(root));
        }

        _json = root;
        _readAsJson = true;
        _lines = lines;
        Location = location;
    }

    private sealed record Identity(string ApiVersion, string Kind, string Name, string? Namespace)
    {
        public string Group { get; } = ResourceKey.GroupOf(ApiVersion);
    }

    // Set once, whole: racing readers read the same values.
    private Identity? _identity;

    private Identity Id => _identity ??= ReadIdentity(Json);

    private static Identity ReadIdentity(JsonElement root)
    {
        var hasMetadata = root.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object;
        return new Identity(
            JsonNodes.StringOf(root, "apiVersion"u8) ?? string.Empty,
            JsonNodes.StringOf(root, "kind"u8) ?? string.Empty,
            (hasMetadata ? JsonNodes.StringOf(metadata, "name"u8) : null) ?? string.Empty,
            NullIfEmpty(hasMetadata ? JsonNodes.StringOf(metadata, "namespace"u8) : null));
    }

    public MapNode Root => _root ??= (MapNode)(_lines is null ? JsonNodes.ToNode(Json) : NodeLines.ToNode(Json, _lines));

    /// <summary>The lines of its fields in the file it was read from, for <see cref="ToUtf8Json"/>'s text (null when it was read as JSON: none are known).</summary>
    public byte[]? Lines => _readAsJson ? _lines : NodeLines.Of(Root);

    /// <summary>The object as parsed JSON (built from the tree, once, for objects read from files).</summary>
    public JsonElement Json => (JsonElement)(_json ??= JsonNodes.ToElement(_root!));

    /// <summary>The object as compact UTF-8 JSON, written from the form it was read in (no tree is built for a JSON object).</summary>
    public byte[] ToUtf8Json() => _readAsJson ? JsonNodes.ToUtf8(Json) : Root.ToUtf8Json();

    public SourceLocation Location { get; }

    public string ApiVersion => Id.ApiVersion;

    public string Group => Id.Group;

    public string Kind => Id.Kind;

    public string Name => Id.Name;

    /// <summary>The namespace as written, or null when the object names none.</summary>
    public string? Namespace => Id.Namespace;

    public string GroupKind => Group + "/" + Kind;

    public MapNode? Metadata => Root.GetMap("metadata");

    /// <summary>What of this desired object is compared (see <see cref="ObjectShape"/>); kept, as desired state is compared again and again.</summary>
    internal MapNode ComparableDesired => _comparable ??= ObjectShape.Comparable(Root, isDesired: true);

    private IgnoredByAnnotation? _ignored;

    private sealed record IgnoredByAnnotation(IReadOnlyList<Paths.PathPattern> Paths, ManifestError? Error);

    private IgnoredByAnnotation Ignored => _ignored ??= new(Policy.IgnoreAnnotation.Read(Root, Location, out var error), error);

    /// <summary>The paths this desired object's <c>driftfabric.io/ignore</c> annotation drops from its comparison (none when it is malformed).</summary>
    public IReadOnlyList<Paths.PathPattern> IgnoredPaths => Ignored.Paths;

    /// <summary>Why this desired object's <c>driftfabric.io/ignore</c> annotation was not used, or null.</summary>
    public ManifestError? IgnoreAnnotationError => Ignored.Error;

    /// <summary>The last verdict on what the pipeline applied to the live object, kept with this desired one.</summary>
    internal AppliedVerdicts AppliedVerdicts => _appliedVerdicts ??= new AppliedVerdicts();

    private AppliedVerdicts? _appliedVerdicts;

    /// <summary>The key under the given scope rules: cluster-scoped kinds get <c>_</c>, others the written or default namespace.</summary>
    public ResourceKey KeyIn(KindScopes scopes, string defaultNamespace) =>
        new(Group, Kind, scopes.IsClusterScoped(Group, Kind) ? ResourceKey.ClusterScope : Namespace ?? defaultNamespace, Name);

    public override string ToString() => $"{GroupKind} {Namespace}/{Name} ({Location})";

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
