using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Defaults;

/// <summary>
/// Writes a defaults table as Kubernetes' own sources read: types by their Go names, fields
/// with the default a <c>SetDefaults_*</c> function gives them or the zero value the server
/// leaves out, and the types below them. Types may be named before they are written; every
/// name must be written by <see cref="Build"/>.
/// </summary>
public sealed class SchemaBuilder
{
    private readonly Dictionary<string, SchemaType> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaType> _kinds = new(StringComparer.Ordinal);

    /// <summary>Writes (or adds to) the type named <paramref name="name"/>.</summary>
    public TypeBuilder Type(string name)
    {
        _written.Add(name);
        return new TypeBuilder(this, Named(name));
    }

    /// <summary>
    /// The root type of a kind (<c>apps/Deployment</c>, <c>core/Service</c>); with
    /// <paramref name="version"/>, only for objects written in that API version (webhooks of
    /// <c>v1beta1</c> keep that version's defaults).
    /// </summary>
    public SchemaBuilder Kind(string groupKind, string rootType, string? version = null)
    {
        _kinds[version is null ? groupKind : groupKind + "@" + version] = Named(rootType);
        return this;
    }

    internal SchemaType Named(string name)
    {
        if (!_types.TryGetValue(name, out var type))
        {
            type = new SchemaType(name);
            _types.Add(name, type);
        }

        return type;
    }

    /// <summary>The kinds' root types, keyed <c>group/Kind</c> or <c>group/Kind@version</c>.</summary>
    /// <exception cref="InvalidOperationException">A type is named that is never written.</exception>
    public IReadOnlyDictionary<string, SchemaType> Build()
    {
        var unwritten = _types.Keys.Where(name => !_written.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (unwritten.Count > 0)
        {
            throw new InvalidOperationException($"defaults table: types named but never written: {string.Join(", ", unwritten)}");
        }

        return _kinds;
    }
}

/// <summary>The fields of one type of a <see cref="SchemaBuilder"/>.</summary>
public readonly struct TypeBuilder
{
    private readonly SchemaBuilder _builder;
    private readonly SchemaType _type;

    internal TypeBuilder(SchemaBuilder builder, SchemaType type)
    {
        _builder = builder;
        _type = type;
    }

    /// <summary>A default a <c>SetDefaults_*</c> function fills in.</summary>
    public TypeBuilder Default(string field, string value) => Set(field, DefaultValue.Of(ScalarNode.String(value), DefaultOrigin.SetDefaults));

    /// <inheritdoc cref="Default(string, string)"/>
    public TypeBuilder Default(string field, long value) => Set(field, DefaultValue.Of(ScalarNode.Number(value), DefaultOrigin.SetDefaults));

    /// <inheritdoc cref="Default(string, string)"/>
    public TypeBuilder Default(string field, bool value) => Set(field, DefaultValue.Of(ScalarNode.Bool(value), DefaultOrigin.SetDefaults));

    /// <summary>A default that is a list or an object, written as JSON (<c>["Ingress"]</c>).</summary>
    public TypeBuilder DefaultJson(string field, string json, DefaultOrigin origin = DefaultOrigin.SetDefaults) =>
        Set(field, DefaultValue.Of(JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(json)).Single(), origin));

    /// <summary>The zero value of a non-pointer <c>omitempty</c> field, which the server leaves out.</summary>
    public TypeBuilder Zero(string field, bool value = false) => Set(field, DefaultValue.Of(ScalarNode.Bool(value), DefaultOrigin.ZeroValue));

    /// <inheritdoc cref="Zero(string, bool)"/>
    public TypeBuilder Zero(string field, long value) => Set(field, DefaultValue.Of(ScalarNode.Number(value), DefaultOrigin.ZeroValue));

    /// <summary>A field the server sets on its own: any value it holds is the server's (an assigned IP).</summary>
    public TypeBuilder Assigned(string field) => Set(field, DefaultValue.Assigned());

    /// <summary>A default that depends on the value's siblings or the object (<c>targetPort</c> equal to <c>port</c>).</summary>
    public TypeBuilder Rule(string field, string description, Func<DefaultContext, bool> rule, DefaultOrigin origin = DefaultOrigin.SetDefaults) =>
        Set(field, DefaultValue.Rule(description, rule, origin));

    /// <summary>The field holds an object of the type <paramref name="type"/>.</summary>
    public TypeBuilder Object(string field, string type)
    {
        _type.Add(field).Object = _builder.Named(type);
        return this;
    }

    /// <summary>The field holds a list of objects of the type <paramref name="type"/>.</summary>
    public TypeBuilder List(string field, string type)
    {
        _type.Add(field).Items = new SchemaField { Object = _builder.Named(type) };
        return this;
    }

    /// <summary>The field holds a map whose values are objects of the type <paramref name="type"/>.</summary>
    public TypeBuilder Map(string field, string type)
    {
        _type.Add(field).Values = new SchemaField { Object = _builder.Named(type) };
        return this;
    }

    private TypeBuilder Set(string field, DefaultValue value)
    {
        var target = _type.Add(field);
        if (target.Default is not null)
        {
            throw new InvalidOperationException($"defaults table: {_type.Name}.{field} is given a default twice");
        }

        target.Default = value;
        return this;
    }
}
