using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Defaults;

/// <summary>
/// The defaults the API server fills in, by kind: Kubernetes' own built-in kinds (the
/// <see cref="KubernetesDefaults"/> table, taken from its sources), and custom resources whose
/// CustomResourceDefinition is known (its structural schema's <c>default:</c> values).
/// Immutable and shared; <see cref="WithCustomResources"/> gives a new set.
/// </summary>
public sealed class ResourceSchemas
{
    private static readonly Lazy<ResourceSchemas> s_builtIn = new(() => new ResourceSchemas(KubernetesDefaults.Build(), new Dictionary<string, SchemaField>(StringComparer.Ordinal)));

    // Roots as pseudo fields whose object is the kind's root type, keyed group/Kind and group/Kind@version.
    private readonly Dictionary<string, SchemaField> _builtIn;
    private readonly Dictionary<string, SchemaField> _custom;

    private ResourceSchemas(IReadOnlyDictionary<string, SchemaType> builtIn, Dictionary<string, SchemaField> custom)
    {
        _builtIn = new(StringComparer.Ordinal);
        foreach (var (key, type) in builtIn)
        {
            _builtIn[key] = new SchemaField { Object = type };
        }

        _custom = custom;
    }

    private ResourceSchemas(Dictionary<string, SchemaField> builtIn, Dictionary<string, SchemaField> custom)
    {
        _builtIn = builtIn;
        _custom = custom;
    }

    /// <summary>Kubernetes' built-in kinds only.</summary>
    public static ResourceSchemas BuiltIn => s_builtIn.Value;

    /// <summary>The group/Kind names of the built-in kinds the table knows.</summary>
    public IEnumerable<string> BuiltInKinds => _builtIn.Keys.Where(k => !k.Contains('@', StringComparison.Ordinal));

    /// <summary>How many custom resource kinds have defaults from a CRD.</summary>
    public int CustomKindCount => _custom.Keys.Count(k => !k.Contains('@', StringComparison.Ordinal));

    /// <summary>
    /// These defaults and those of the custom resources the CRDs among <paramref name="manifests"/>
    /// declare (other objects are passed over). A CRD of a built-in group/Kind is ignored.
    /// </summary>
    public ResourceSchemas WithCustomResources(IEnumerable<Manifest> manifests)
    {
        Dictionary<string, SchemaField>? custom = null;
        foreach (var manifest in manifests)
        {
            if (!IsDefinition(manifest))
            {
                continue;
            }

            foreach (var (key, root) in CustomResourceSchemas.Read(manifest.Root))
            {
                if (!_builtIn.ContainsKey(key.Split('@')[0]))
                {
                    (custom ??= new(_custom, StringComparer.Ordinal))[key] = root;
                }
            }
        }

        return custom is null ? this : new ResourceSchemas(_builtIn, custom);
    }

    /// <summary>True for a CustomResourceDefinition, whose custom resources' defaults <see cref="WithCustomResources"/> learns.</summary>
    public static bool IsDefinition(Manifest manifest) => manifest.Kind == "CustomResourceDefinition" && manifest.Group == "apiextensions.k8s.io";

    /// <summary>The group/Kind a CustomResourceDefinition declares, or null when it names none.</summary>
    public static string? DefinedKind(Manifest crd) =>
        crd.Root.GetMap("spec") is { } spec && spec.GetString("group") is { Length: > 0 } group && spec.GetMap("names")?.GetString("kind") is { Length: > 0 } kind
            ? group + "/" + kind
            : null;

    /// <summary>
    /// What of a CustomResourceDefinition its defaults are read from, as a smaller CRD (group,
    /// kind, versions and their schemas' types, shapes and defaults): what the fabric carries.
    /// </summary>
    public static MapNode CompactDefinition(Manifest crd) => CustomResourceSchemas.Compact(crd.Root);

    /// <summary>
    /// What is known of the object itself (a pseudo field holding its root type) for a kind
    /// written in <paramref name="apiVersion"/> (null: its usual version), or null.
    /// </summary>
    public SchemaField? RootOf(ResourceKey resource, string? apiVersion)
    {
        // Asked on every comparison that finds something: looked up by parts, no key string made.
        var version = apiVersion is null ? default : apiVersion.AsSpan(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1);
        return Find(_builtIn, resource, version) ?? Find(_custom, resource, version);
    }

    private static SchemaField? Find(Dictionary<string, SchemaField> roots, ResourceKey resource, ReadOnlySpan<char> version)
    {
        if (roots.Count == 0)
        {
            return null;
        }

        var length = resource.Group.Length + 1 + resource.Kind.Length;
        var size = length + 1 + version.Length;
        Span<char> key = size <= 512 ? stackalloc char[size] : new char[size];
        resource.Group.AsSpan().CopyTo(key);
        key[resource.Group.Length] = '/';
        resource.Kind.AsSpan().CopyTo(key[(resource.Group.Length + 1)..]);
        var lookup = roots.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!version.IsEmpty)
        {
            key[length] = '@';
            version.CopyTo(key[(length + 1)..]);
            if (lookup.TryGetValue(key, out var versioned))
            {
                return versioned;
            }
        }

        return lookup.TryGetValue(key[..length], out var root) ? root : null;
    }

    /// <summary>What is known of the field <paramref name="count"/> steps down <paramref name="path"/> from <paramref name="root"/>, or null.</summary>
    public static SchemaField? At(SchemaField? root, IReadOnlyList<PathStep> path, int count)
    {
        var field = root;
        for (var i = 0; i < count && field is not null; i++)
        {
            field = path[i].IsElement ? field.Items : field.Field(path[i].Name);
        }

        return field;
    }

    /// <summary>True when <paramref name="value"/>, at <paramref name="path"/> from <paramref name="root"/>, is what the server fills in there.</summary>
    /// <param name="parent">The map holding the field, for defaults that follow a sibling.</param>
    public static bool IsDefault(SchemaField? root, ResourceKey resource, IReadOnlyList<PathStep> path, Node value, MapNode? parent) =>
        At(root, path, path.Count) is { Default: { } rule } && rule.Matches(new DefaultContext(value, parent, resource));

    /// <summary>
    /// True when every value in <paramref name="value"/> is the default of its field (an object
    /// of defaults, or a default value whole): a desired value that equals an absent live field.
    /// </summary>
    public static bool IsAllDefault(SchemaField? field, ResourceKey resource, Node value, MapNode? parent)
    {
        if (field is null)
        {
            return false;
        }

        if (field.Default is { } rule && rule.Matches(new DefaultContext(value, parent, resource)))
        {
            return true;
        }

        if (value is not MapNode { Count: > 0 } map)
        {
            return false;
        }

        for (var i = 0; i < map.Count; i++)
        {
            var child = map.ValueAt(i);
            if (!child.IsEmpty && !IsAllDefault(field.Field(map.KeyAt(i)), resource, child, map))
            {
                return false;
            }
        }

        return true;
    }
}
