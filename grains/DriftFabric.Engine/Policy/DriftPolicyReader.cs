using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Policy;

/// <summary>A drift policy as read: built from its valid rules, and an error for each invalid one.</summary>
public sealed record PolicySpec(DriftPolicy Policy, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Reads the drift policy of a fleet spec (<c>driftfabric.yaml</c>): the default namespace, extra
/// appliers and controllers, ignore rules, severity overrides and remediation rules. Unknown fields
/// in a rule are errors, so a typo never silently turns a rule off. The spec's other sections
/// (tenants, clusters, proxies, webhooks, the event log) are the fleet's topology, read by the
/// fleet reader of the sources, which also checks the spec's top-level fields.
/// </summary>
public static class DriftPolicyReader
{
    private static readonly string[] RemediationFields = ["tenant", "kind", "namespace", "resource", "minSeverity", "action", "maxReverts", "window", "backoff"];
    private static readonly string[] ManagerFields = ["appliers", "controllers"];
    private static readonly string[] SelectorFields = ["kind", "namespace", "resource"];
    private static readonly string[] IgnoreFields = [.. SelectorFields, "path", "reason"];
    private static readonly string[] SeverityFields = [.. SelectorFields, "path", "driftKind", "severity"];

    /// <summary>
    /// The spec's drift policy alone (every section but <c>tenants</c>, <c>events</c> and <c>notifications</c>), as JSON:
    /// what a service needs to judge its resources, without the fleet's topology, which grows
    /// with every cluster and would otherwise be copied into every service. Text that does not
    /// parse is returned as it is (its errors were reported when the spec was loaded).
    /// </summary>
    public static string PolicyText(string text)
    {
        try
        {
            if (YamlReader.ReadSingle(text) is MapNode map)
            {
                var keys = new List<string>();
                var values = new List<Node>();
                foreach (var (key, value) in map.Entries)
                {
                    if (key is not ("tenants" or "events" or "notifications"))
                    {
                        keys.Add(key);
                        values.Add(value);
                    }
                }

                return new MapNode([.. keys], [.. values], 1).ToJson();
            }
        }
        catch (ParseException)
        {
        }

        return text;
    }

    /// <summary>The policy of a fleet spec or of its <see cref="PolicyText"/>; the sections that are not the policy's are left to the fleet reader.</summary>
    public static PolicySpec Parse(string source, string text)
    {
        var reader = new SpecReader(source);
        var policy = reader.ReadRoot(text) is { } root ? Read(root, reader) : DriftPolicy.Default;
        return new PolicySpec(policy, reader.Errors);
    }

    /// <summary>The policy's sections of a spec's root mapping, their errors added to <paramref name="reader"/>'s.</summary>
    public static DriftPolicy Read(MapNode root, SpecReader reader) => new()
    {
        DefaultNamespace = reader.OptionalString(root, "defaultNamespace", "defaultNamespace") ?? "default",
        Managers = ReadManagers(root, reader),
        Ignore = reader.ReadList(root, "ignore", ReadIgnoreRule),
        SeverityOverrides = reader.ReadList(root, "severity", ReadSeverityOverride),
        Remediation = reader.ReadList(root, "remediation", ReadRemediationRule),
    };

    private static ManagerClassifier ReadManagers(MapNode root, SpecReader reader)
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

    private static IgnoreRule? ReadIgnoreRule(MapNode item, string name, SpecReader reader)
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

    private static SeverityOverride? ReadSeverityOverride(MapNode item, string name, SpecReader reader)
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

    private static RemediationRule? ReadRemediationRule(MapNode item, string name, SpecReader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, RemediationFields, name);
        var selector = ReadSelector(item, name, reader);
        var action = RemediationAction.Notify;
        switch (reader.OptionalString(item, "action", name + ".action"))
        {
            case null:
                reader.Error(item, name + ".action", "is required (notify, revert or adopt)");
                break;
            case "notify":
                break;
            case "revert":
                action = RemediationAction.Revert;
                break;
            case "adopt":
                action = RemediationAction.Adopt;
                break;
            case var other:
                reader.Error(item["action"]!, name + ".action", $"'{other}' is not one of notify, revert, adopt");
                break;
        }

        var minSeverity = Severity.Low;
        if (reader.OptionalString(item, "minSeverity", name + ".minSeverity") is { } severityText && !DriftNames.TryParseSeverity(severityText, out minSeverity))
        {
            reader.Error(item["minSeverity"]!, name + ".minSeverity", $"'{severityText}' is not one of low, medium, high, critical");
        }

        var maxReverts = reader.OptionalCount(item, "maxReverts", name + ".maxReverts", max: 1000) ?? 3;
        var window = reader.OptionalDuration(item, "window", name + ".window", TimeSpan.FromHours(1));
        var backoff = reader.OptionalDuration(item, "backoff", name + ".backoff", TimeSpan.FromSeconds(30));
        var tenant = reader.OptionalString(item, "tenant", name + ".tenant");
        return reader.Errors.Count > errors ? null : new RemediationRule(tenant, selector, minSeverity, action, maxReverts, window, backoff, reader.Location(item));
    }

    private static ResourceSelector ReadSelector(MapNode item, string name, SpecReader reader)
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
}
