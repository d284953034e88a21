using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

/// <summary>Where a field's default comes from.</summary>
public enum DefaultOrigin
{
    /// <summary>A <c>SetDefaults_*</c> function of the API server fills it in.</summary>
    SetDefaults,

    /// <summary>The zero value of a non-pointer <c>omitempty</c> field: the server leaves it out.</summary>
    ZeroValue,

    /// <summary>The API server sets it on its own (an assigned IP, a generated selector, a conversion).</summary>
    ServerSet,

    /// <summary>A <c>default:</c> of a CustomResourceDefinition's structural schema.</summary>
    CrdSchema,
}

/// <summary>What a default is judged against: the value, the map holding it, and the object.</summary>
/// <param name="Value">The value at the field.</param>
/// <param name="Parent">The map holding the field (for defaults that follow a sibling), or null when unknown.</param>
/// <param name="Resource">The object the field belongs to.</param>
public readonly record struct DefaultContext(Node Value, MapNode? Parent, ResourceKey Resource);

/// <summary>
/// The value a field takes when a manifest leaves it out: a literal, any value the server
/// assigns, or a rule on the value and its siblings (<c>targetPort</c> equal to <c>port</c>).
/// </summary>
public sealed class DefaultValue
{
    private readonly Node? _literal;
    private readonly Func<DefaultContext, bool>? _rule;

    private DefaultValue(DefaultOrigin origin, string description, Node? literal, Func<DefaultContext, bool>? rule)
    {
        Origin = origin;
        Description = description;
        _literal = literal;
        _rule = rule;
    }

    public DefaultOrigin Origin { get; }

    /// <summary>The default as docs/drift-rules.md and a test name it (<c>1</c>, <c>"ClusterFirst"</c>, <c>any assigned value</c>).</summary>
    public string Description { get; }

    /// <summary>The literal default, or null when it is assigned or follows a rule.</summary>
    public Node? Literal => _literal;

    public static DefaultValue Of(Node literal, DefaultOrigin origin) => new(origin, literal.ToJson(), literal, null);

    public static DefaultValue Assigned(DefaultOrigin origin = DefaultOrigin.ServerSet) => new(origin, "any assigned value", null, static _ => true);

    public static DefaultValue Rule(string description, Func<DefaultContext, bool> rule, DefaultOrigin origin = DefaultOrigin.SetDefaults) => new(origin, description, null, rule);

    /// <summary>True when <paramref name="context"/>'s value is this default.</summary>
    public bool Matches(in DefaultContext context) => _literal is not null ? Same(_literal, context.Value) : _rule!(context);

    /// <summary>Equal as values: numbers by value, maps whatever their key order, lists in order.</summary>
    internal static bool Same(Node expected, Node actual)
    {
        switch (expected)
        {
            case ScalarNode e:
                return actual is ScalarNode scalar && e.ValueEquals(scalar);
            case ListNode e when actual is ListNode list && list.Count == e.Count:
                for (var i = 0; i < e.Count; i++)
                {
                    if (!Same(e[i], list[i]))
                    {
                        return false;
                    }
                }

                return true;
            case MapNode e when actual is MapNode map && map.Count == e.Count:
                for (var i = 0; i < e.Count; i++)
                {
                    if (!map.TryGet(e.KeyAt(i), out var value) || !Same(e.ValueAt(i), value))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }
}

/// <summary>
/// What is known of one field: its default, and the shape below it (an object of a type, a
/// list of elements, a map of values). Any part may be absent.
/// </summary>
public sealed class SchemaField
{
    public static readonly SchemaField None = new();

    public DefaultValue? Default { get; internal set; }

    /// <summary>The field holds an object of this type.</summary>
    public SchemaType? Object { get; internal set; }

    /// <summary>The field holds a list; each element is described by this.</summary>
    public SchemaField? Items { get; internal set; }

    /// <summary>The field holds a map of arbitrary keys; each value is described by this.</summary>
    public SchemaField? Values { get; internal set; }

    /// <summary>The field of an object below this one, or null when nothing is known of it.</summary>
    public SchemaField? Field(string name) => Object?.Field(name) ?? Values;
}

/// <summary>An object type: its fields by name.</summary>
public sealed class SchemaType(string name)
{
    private readonly Dictionary<string, SchemaField> _fields = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public IReadOnlyDictionary<string, SchemaField> Fields => _fields;

    public SchemaField? Field(string name) => _fields.GetValueOrDefault(name);

    internal SchemaField Add(string name)
    {
        if (!_fields.TryGetValue(name, out var field))
        {
            field = new SchemaField();
            _fields.Add(name, field);
        }

        return field;
    }
}
