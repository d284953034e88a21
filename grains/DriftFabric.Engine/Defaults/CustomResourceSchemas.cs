using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

/// <summary>
/// The defaults of a custom resource, from its CustomResourceDefinition: every <c>default:</c>
/// of the structural schema (<c>openAPIV3Schema</c>) of each version, at the path its
/// <c>properties</c>, <c>items</c> and <c>additionalProperties</c> lead to.
/// </summary>
internal static class CustomResourceSchemas
{
    // Structural schemas nest no deeper than the objects they describe; a deeper one is hostile or broken.
    private const int MaxDepth = 64;

    /// <summary>
    /// The root of each version of the kind a CRD declares, keyed <c>group/Kind@version</c>,
    /// and the storage version's (else the first's) keyed <c>group/Kind</c>. Nothing for a CRD
    /// without a group, a kind or any schema.
    /// </summary>
    public static IEnumerable<(string Key, SchemaField Root)> Read(MapNode crd)
    {
        var spec = crd.GetMap("spec");
        var group = spec?.GetString("group");
        var kind = spec?.GetMap("names")?.GetString("kind");
        if (spec is null || string.IsNullOrEmpty(group) || string.IsNullOrEmpty(kind))
        {
            yield break;
        }

        var groupKind = group + "/" + kind;
        SchemaField? usual = null;
        var usualIsStorage = false;
        if (spec["versions"] is ListNode versions)
        {
            foreach (var item in versions.Items)
            {
                if (item is not MapNode version || version.GetString("name") is not { Length: > 0 } name)
                {
                    continue;
                }

                // apiextensions.k8s.io/v1beta1 may give one schema for every version.
                var schema = version.GetMap("schema")?.GetMap("openAPIV3Schema") ?? spec.GetMap("validation")?.GetMap("openAPIV3Schema");
                if (schema is null)
                {
                    continue;
                }

                var root = FieldOf(schema, 0);
                yield return (groupKind + "@" + name, root);
                var storage = version["storage"] is ScalarNode { Kind: NodeKind.Bool, BoolValue: true };
                if (usual is null || (storage && !usualIsStorage))
                {
                    usual = root;
                    usualIsStorage = storage;
                }
            }
        }
        else if (spec.GetMap("validation")?.GetMap("openAPIV3Schema") is { } schema)
        {
            usual = FieldOf(schema, 0);
            if (spec.GetString("version") is { Length: > 0 } version)
            {
                yield return (groupKind + "@" + version, usual);
            }
        }

        if (usual is not null)
        {
            yield return (groupKind, usual);
        }
    }

    /// <summary>
    /// What of a CRD its defaults are read from: group, kind, and each version's name, storage
    /// flag and schema with only <c>type</c>, <c>properties</c>, <c>items</c>,
    /// <c>additionalProperties</c> and <c>default</c> (descriptions and validations dropped: they
    /// are most of a large CRD, and carried to every service that uses its kind).
    /// </summary>
    public static MapNode Compact(MapNode crd)
    {
        var spec = crd.GetMap("spec") ?? MapNode.Empty;
        var keys = new List<string>();
        var values = new List<Node>();
        Keep(spec, "group", keys, values);
        if (spec.GetMap("names")?["kind"] is { } kind)
        {
            keys.Add("names");
            values.Add(new MapNode(["kind"], [kind], 0));
        }

        Keep(spec, "version", keys, values);
        if (spec.GetMap("validation")?.GetMap("openAPIV3Schema") is { } validation)
        {
            keys.Add("validation");
            values.Add(new MapNode(["openAPIV3Schema"], [CompactSchema(validation, 0)], 0));
        }

        if (spec["versions"] is ListNode versions)
        {
            var items = new List<Node>();
            foreach (var item in versions.Items)
            {
                if (item is not MapNode version)
                {
                    continue;
                }

                var versionKeys = new List<string>();
                var versionValues = new List<Node>();
                Keep(version, "name", versionKeys, versionValues);
                Keep(version, "storage", versionKeys, versionValues);
                if (version.GetMap("schema")?.GetMap("openAPIV3Schema") is { } schema)
                {
                    versionKeys.Add("schema");
                    versionValues.Add(new MapNode(["openAPIV3Schema"], [CompactSchema(schema, 0)], 0));
                }

                items.Add(new MapNode([.. versionKeys], [.. versionValues], 0));
            }

            keys.Add("versions");
            values.Add(new ListNode([.. items], 0));
        }

        return new MapNode(
            ["apiVersion", "kind", "metadata", "spec"],
            [crd["apiVersion"] ?? ScalarNode.String("apiextensions.k8s.io/v1"), ScalarNode.String("CustomResourceDefinition"),
                new MapNode(["name"], [crd.GetMap("metadata")?["name"] ?? ScalarNode.String(string.Empty)], 0), new MapNode([.. keys], [.. values], 0)],
            0);
    }

    private static MapNode CompactSchema(MapNode schema, int depth)
    {
        var keys = new List<string>();
        var values = new List<Node>();
        Keep(schema, "type", keys, values);
        Keep(schema, "default", keys, values);
        if (depth < MaxDepth)
        {
            if (schema.GetMap("properties") is { Count: > 0 } properties)
            {
                var names = new List<string>();
                var children = new List<Node>();
                foreach (var (name, property) in properties.Entries)
                {
                    if (property is MapNode child)
                    {
                        names.Add(name);
                        children.Add(CompactSchema(child, depth + 1));
                    }
                }

                keys.Add("properties");
                values.Add(new MapNode([.. names], [.. children], 0));
            }

            foreach (var nested in new[] { "items", "additionalProperties" })
            {
                if (schema.GetMap(nested) is { } child)
                {
                    keys.Add(nested);
                    values.Add(CompactSchema(child, depth + 1));
                }
            }
        }

        return new MapNode([.. keys], [.. values], 0);
    }

    private static void Keep(MapNode from, string key, List<string> keys, List<Node> values)
    {
        if (from[key] is { } value)
        {
            keys.Add(key);
            values.Add(value);
        }
    }

    private static SchemaField FieldOf(MapNode schema, int depth)
    {
        var field = new SchemaField();
        if (schema["default"] is { } value)
        {
            field.Default = DefaultValue.Of(value, DefaultOrigin.CrdSchema);
        }

        if (depth >= MaxDepth)
        {
            return field;
        }

        if (schema.GetMap("properties") is { Count: > 0 } properties)
        {
            var type = new SchemaType("openAPIV3Schema");
            foreach (var (name, property) in properties.Entries)
            {
                if (property is MapNode propertySchema)
                {
                    var child = FieldOf(propertySchema, depth + 1);
                    var target = type.Add(name);
                    target.Default = child.Default;
                    target.Object = child.Object;
                    target.Items = child.Items;
                    target.Values = child.Values;
                }
            }

            field.Object = type;
        }

        if (schema.GetMap("items") is { } items)
        {
            field.Items = FieldOf(items, depth + 1);
        }

        if (schema.GetMap("additionalProperties") is { } additional)
        {
            field.Values = FieldOf(additional, depth + 1);
        }

        return field;
    }
}
