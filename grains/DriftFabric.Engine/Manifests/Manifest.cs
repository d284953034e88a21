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

    // A boxed JsonElement: a reference is published whole, so racing readers never see half a struct.
    private object? _json;
    private MapNode? _comparable;
    private readonly bool _readAsJson;

    public Manifest(MapNode root, SourceLocation location)
    {
        _root = root;
        Location = location;
        ApiVersion = root.GetString("apiVersion") ?? string.Empty;
        Kind = root.GetString("kind") ?? string.Empty;
        var metadata = root.GetMap("metadata");
        Name = metadata?.GetString("name") ?? string.Empty;
        Namespace = NullIfEmpty(metadata?.GetString("namespace"));
        Group = ResourceKey.GroupOf(ApiVersion);
    }

    /// <summary>
    /// A live object as parsed JSON. The element is used in place: the caller keeps its
    /// document alive (undisposed) for as long as it compares this manifest.
    /// </summary>
    public Manifest(JsonElement root, SourceLocation location)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"{location}: a Kubernetes object is a JSON object, not {root.ValueKind}", nameof(root));
        }

        _json = root;
        _readAsJson = true;
        Location = location;
        ApiVersion = JsonNodes.StringOf(root, "apiVersion"u8) ?? string.Empty;
        Kind = JsonNodes.StringOf(root, "kind"u8) ?? string.Empty;
        var hasMetadata = root.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object;
        Name = (hasMetadata ? JsonNodes.StringOf(metadata, "name"u8) : null) ?? string.Empty;
        Namespace = NullIfEmpty(hasMetadata ? JsonNodes.StringOf(metadata, "namespace"u8) : null);
        Group = ResourceKey.GroupOf(ApiVersion);
    }

    public MapNode Root => _root ??= (MapNode)JsonNodes.ToNode(Json);

    /// <summary>The object as parsed JSON (built from the tree, once, for objects read from files).</summary>
    public JsonElement Json => (JsonElement)(_json ??= JsonNodes.ToElement(_root!));

    /// <summary>The object as compact UTF-8 JSON, written from the form it was read in (no tree is built for a JSON object).</summary>
    public byte[] ToUtf8Json() => _readAsJson ? JsonNodes.ToUtf8(Json) : Root.ToUtf8Json();

    public SourceLocation Location { get; }

    public string ApiVersion { get; }

    public string Group { get; }

    public string Kind { get; }

    public string Name { get; }

    /// <summary>The namespace as written, or null when the object names none.</summary>
    public string? Namespace { get; }

    public string GroupKind => Group + "/" + Kind;

    public MapNode? Metadata => Root.GetMap("metadata");

    /// <summary>What of this desired object is compared (see <see cref="ObjectShape"/>); kept, as desired state is compared again and again.</summary>
    internal MapNode ComparableDesired => _comparable ??= ObjectShape.Comparable(Root, isDesired: true);

    /// <summary>The key under the given scope rules: cluster-scoped kinds get <c>_</c>, others the written or default namespace.</summary>
    public ResourceKey KeyIn(KindScopes scopes, string defaultNamespace) =>
        new(Group, Kind, scopes.IsClusterScoped(Group, Kind) ? ResourceKey.ClusterScope : Namespace ?? defaultNamespace, Name);

    public override string ToString() => $"{GroupKind} {Namespace}/{Name} ({Location})";

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

}
