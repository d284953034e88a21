using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Policy;

/// <summary>A fleet spec as read: the policy built from its valid parts, and an error for each invalid one.</summary>
public sealed record FleetSpec(DriftPolicy Policy, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Reads <c>driftfabric.yaml</c>: ignore rules, extra appliers and controllers, severity
/// overrides and the default namespace. Every error names file, line and field
/// (<c>driftfabric.yaml:12: ignore[1].path: ...</c>); unknown fields are errors, so a typo never
/// silently turns a rule off.
/// </summary>
public static class FleetSpecReader
{
    public const string ApiVersion = "driftfabric.io/v1alpha1";
    public const string Kind = "Fleet";

    private static readonly string[] TopLevelFields = ["apiVersion", "kind", "defaultNamespace", "managers", "ignore", "severity"];
    private static readonly string[] ManagerFields = ["appliers", "controllers"];
    private static readonly string[] SelectorFields = ["kind", "namespace", "resource"];
    private static readonly string[] IgnoreFields = [.. SelectorFields, "path", "reason"];
    private static readonly string[] SeverityFields = [.. SelectorFields, "path", "driftKind", "severity"];

    public static FleetSpec Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FleetSpec(DriftPolicy.Default, [new ManifestError(path, 0, "cannot read fleet spec: " + e.Message)]);
        }

        return Parse(path, text);
    }

    public static FleetSpec Parse(string source, string text)
    {
        var reader = new Reader(source);
        Node? root;
        try
        {
            root = YamlReader.ReadSingle(text);
        }
        catch (ParseException e)
        {
            return new FleetSpec(DriftPolicy.Default, [new ManifestError(source, e.Line, e.Message)]);
        }

        if (root is null)
        {
            return new FleetSpec(DriftPolicy.Default, []);
        }

        if (root is not MapNode map)
        {
            return new FleetSpec(DriftPolicy.Default, [new ManifestError(source, root.Line, "a fleet spec is a mapping")]);
        }

        reader.CheckFields(map, TopLevelFields, string.Empty);
        reader.ExpectConstant(map, "apiVersion", ApiVersion);
        reader.ExpectConstant(map, "kind", Kind);

        var policy = new DriftPolicy
        {
            DefaultNamespace = reader.OptionalString(map, "defaultNamespace", "defaultNamespace") ?? "default",
            Managers = ReadManagers(map, reader),
            Ignore = ReadList(map, "ignore", reader, ReadIgnoreRule),
            SeverityOverrides = ReadList(map, "severity", reader, ReadSeverityOverride),
        };
        return new FleetSpec(policy, reader.Errors);
    }

    private static ManagerClassifier ReadManagers(MapNode root, Reader reader)
    {
        if (root["managers"] is not { } node || node.IsEmpty)
        {
            return ManagerClassifier.Default;
        }

        if (node is not MapNode managers)
        {
            reader.Error(node, "managers", "must be a mapping with 'appliers' and/or 'controllers'");
            return ManagerClassifier.Default;
        }

        reader.CheckFields(managers, ManagerFields, "managers");
        return new ManagerClassifier(reader.StringList(managers, "appliers", "managers.appliers"), reader.StringList(managers, "controllers", "managers.controllers"));
    }

    private static List<T> ReadList<T>(MapNode root, string field, Reader reader, Func<MapNode, string, Reader, T?> readItem)
        where T : class
    {
        var result = new List<T>();
        if (root[field] is not { } node || node.IsEmpty)
        {
            return result;
        }

        if (node is not ListNode list)
        {
            reader.Error(node, field, "must be a list");
            return result;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var name = $"{field}[{i}]";
            if (list[i] is not MapNode item)
            {
                reader.Error(list[i], name, "must be a mapping");
                continue;
            }

            if (readItem(item, name, reader) is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    private static IgnoreRule? ReadIgnoreRule(MapNode item, string name, Reader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, IgnoreFields, name);
        var selector = ReadSelector(item, name, reader);
        var path = reader.OptionalPath(item, "path", name + ".path") ?? PathPattern.Parse(string.Empty);
        if (path.IsRoot && selector == ResourceSelector.All && reader.Errors.Count == errors)
        {
            reader.Error(item, name, "an ignore rule needs a 'path', or a 'kind', 'namespace' or 'resource' to ignore whole resources");
        }

        var reason = reader.OptionalString(item, "reason", name + ".reason");
        return reader.Errors.Count > errors ? null : new IgnoreRule(selector, path, reason, reader.Location(item));
    }

    private static SeverityOverride? ReadSeverityOverride(MapNode item, string name, Reader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, SeverityFields, name);
        var selector = ReadSelector(item, name, reader);
        var path = reader.OptionalPath(item, "path", name + ".path");
        DriftKind? kind = null;
        if (reader.OptionalString(item, "driftKind", name + ".driftKind") is { } kindText)
        {
            if (DriftNames.TryParseKind(kindText, out var parsed))
            {
                kind = parsed;
            }
            else
            {
                reader.Error(item["driftKind"]!, name + ".driftKind", $"'{kindText}' is not one of Missing, Modified, Added, Unmanaged");
            }
        }

        var severityText = reader.OptionalString(item, "severity", name + ".severity");
        var severity = Severity.Medium;
        if (severityText is null)
        {
            reader.Error(item, name + ".severity", "is required (low, medium, high or critical)");
        }
        else if (!DriftNames.TryParseSeverity(severityText, out severity))
        {
            reader.Error(item["severity"]!, name + ".severity", $"'{severityText}' is not one of low, medium, high, critical");
        }

        return reader.Errors.Count > errors ? null : new SeverityOverride(selector, path, kind, severity, reader.Location(item));
    }

    private static ResourceSelector ReadSelector(MapNode item, string name, Reader reader)
    {
        var resource = reader.OptionalString(item, "resource", name + ".resource");
        if (resource is not null && resource.Split('/').Length != 4)
        {
            reader.Error(item["resource"]!, name + ".resource", $"'{resource}' is not group/Kind/namespace/name (use * as a wildcard)");
        }

        var kind = reader.OptionalString(item, "kind", name + ".kind");
        if (kind is not null && kind.Split('/').Length > 2)
        {
            reader.Error(item["kind"]!, name + ".kind", $"'{kind}' is not Kind or group/Kind");
        }

        var selector = new ResourceSelector(kind, reader.OptionalString(item, "namespace", name + ".namespace"), resource);
        return selector == ResourceSelector.All ? ResourceSelector.All : selector;
    }

    /// <summary>Reads typed fields, collecting errors that name source, line and field.</summary>
    private sealed class Reader(string source)
    {
        public List<ManifestError> Errors { get; } = [];

        public SourceLocation Location(Node node) => new(source, node.Line);

        public void Error(Node node, string field, string message) =>
            Errors.Add(new ManifestError(source, node.Line, field.Length == 0 ? message : $"{field}: {message}"));

        public void CheckFields(MapNode map, string[] allowed, string parent)
        {
            foreach (var (key, value) in map.Entries)
            {
                if (!allowed.Contains(key))
                {
                    var field = parent.Length == 0 ? key : $"{parent}.{key}";
                    Error(value, field, $"unknown field (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        public void ExpectConstant(MapNode map, string key, string expected)
        {
            if (OptionalString(map, key, key) is { } value && value != expected)
            {
                Error(map[key]!, key, $"must be '{expected}', not '{value}'");
            }
        }

        public string? OptionalString(MapNode map, string key, string field)
        {
            switch (map[key])
            {
                case null or ScalarNode { Kind: NodeKind.Null }:
                    return null;
                case ScalarNode { Kind: NodeKind.String } s when s.Text.Length > 0:
                    return s.Text;
                case { } other:
                    Error(other, field, "must be a non-empty string");
                    return null;
            }
        }

        public PathPattern? OptionalPath(MapNode map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            var pattern = PathPattern.TryParse(text, out var error);
            if (pattern is null)
            {
                Error(map[key]!, field, $"'{text}' is not a drift path: {error}");
            }

            return pattern;
        }

        public List<string> StringList(MapNode map, string key, string field)
        {
            var result = new List<string>();
            switch (map[key])
            {
                case null or ScalarNode { Kind: NodeKind.Null }:
                    break;
                case ListNode list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is ScalarNode { Kind: NodeKind.String } s && s.Text.Length > 0)
                        {
                            result.Add(s.Text);
                        }
                        else
                        {
                            Error(list[i], $"{field}[{i}]", "must be a non-empty string");
                        }
                    }

                    break;
                case { } other:
                    Error(other, field, "must be a list of manager names");
                    break;
            }

            return result;
        }
    }
}
