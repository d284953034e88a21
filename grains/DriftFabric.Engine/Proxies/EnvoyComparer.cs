using System.Text.RegularExpressions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Proxies;

/// <summary>
/// Compares an Envoy's config (its admin <c>GET /config_dump</c>, as an Istio sidecar serves it) with
/// the config expected from the mesh's declared state: clusters, listeners and route configurations
/// by name, and whether the proxy accepted what it was sent.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Paths: <c>/clusters/&lt;name&gt;</c>, <c>/listeners/&lt;name&gt;</c>, <c>/routes/&lt;name&gt;</c>, then a pointer into
/// the resource. A resource expected and absent is <c>Missing</c>, one present and not expected <c>Added</c> (high).</item>
/// <item>Proto3 JSON leaves default values out, so a default and an absent field are equal: <c>false</c>,
/// <c>0</c>, a quoted <c>"0"</c> (an int64), a zero duration (<c>"0s"</c>, <c>"0.000s"</c>), <c>""</c>, <c>[]</c>,
/// an object whose members are all defaults (<c>{}</c> included), and the zero value of an enum: a name ending
/// in <c>_UNSPECIFIED</c>, or the one <see cref="EnumZeroValues"/> gives for the field.</item>
/// <item>Lists whose items have a <c>name</c> (virtual hosts, routes, filters) are matched by name
/// (<c>/virtual_hosts[name=x]</c>), and their order, which is meaning (first match wins), is compared
/// as one drift at the list; other lists of objects element by element, lists of values whole.</item>
/// <item>Bookkeeping (<c>version_info</c>, <c>last_updated</c>) is not config and is not compared.</item>
/// <item>A live resource whose <c>error_state</c> is set, or whose <c>client_status</c> is not
/// <c>ACKED</c> (NACKED, STALE, DOES_NOT_EXIST...), was rejected or never acknowledged: <c>Modified</c>
/// at <c>.../status</c>, critical, the desired side <c>ACKED</c> and the live side what Envoy reports.</item>
/// <item>A cluster or listener only warming is present, judged by the config it warms, and not reported:
/// every new one warms, briefly, and a proxy polled every second would open and resolve a drift on
/// many pushes; one stuck warming cannot be told from a brief one without a clock, which a judgement
/// of two dumps does not have. Both active and warming, it is its active version; a listener only
/// draining is not there.</item>
/// <item>Severity: high for any difference (listeners, clusters and routes decide where traffic
/// goes); critical for a config the proxy rejected or never acknowledged.</item>
/// </list>
/// </remarks>
public sealed partial class EnvoyComparer
{
    private const string ConfigDumpTypePrefix = "type.googleapis.com/envoy.admin.v3.";
    private static readonly string[] Bookkeeping = ["version_info", "last_updated"];

    /// <summary>
    /// The zero value of the enums of Envoy's cluster, listener, route and HTTP connection manager
    /// config (the v3 API's protos), by the field that holds them: proto3 JSON leaves a zero enum
    /// out, so absent means this value. Known by field name only, so only fields whose name means
    /// one enum wherever it occurs in that config are listed; any other string is compared as text.
    /// </summary>
    private static readonly Dictionary<string, string> EnumZeroValues = new(StringComparer.Ordinal)
    {
        ["type"] = "STATIC", // Cluster.DiscoveryType
        ["lb_policy"] = "ROUND_ROBIN", // Cluster.LbPolicy
        ["dns_lookup_family"] = "AUTO", // Cluster.DnsLookupFamily
        ["protocol_selection"] = "USE_CONFIGURED_PROTOCOL", // Cluster.ClusterProtocolSelection
        ["traffic_direction"] = "UNSPECIFIED", // core.TrafficDirection
        ["drain_type"] = "DEFAULT", // Listener.DrainType
        ["codec_type"] = "AUTO", // HttpConnectionManager.CodecType
        ["forward_client_cert_details"] = "SANITIZE", // HttpConnectionManager.ForwardClientCertDetails
        ["server_header_transformation"] = "OVERWRITE", // HttpConnectionManager.ServerHeaderTransformation
        ["path_with_escaped_slashes_action"] = "IMPLEMENTATION_SPECIFIC_DEFAULT", // HttpConnectionManager.PathWithEscapedSlashesAction
        ["headers_with_underscores_action"] = "ALLOW", // core.HttpProtocolOptions.HeadersWithUnderscoresAction
        ["require_tls"] = "NONE", // VirtualHost.TlsRequirementType
        ["priority"] = "DEFAULT", // core.RoutingPriority
        ["cluster_not_found_response_code"] = "SERVICE_UNAVAILABLE", // RouteAction.ClusterNotFoundResponseCode
        ["response_code"] = "MOVED_PERMANENTLY", // RedirectAction.RedirectResponseCode
        ["denominator"] = "HUNDRED", // type.FractionalPercent.DenominatorType
        ["tls_minimum_protocol_version"] = "TLS_AUTO", // TlsParameters.TlsProtocol
        ["tls_maximum_protocol_version"] = "TLS_AUTO", // TlsParameters.TlsProtocol
    };

    private readonly ResourceKey _resource;
    private readonly List<Drift> _drifts = [];

    private EnvoyComparer(ResourceKey resource) => _resource = resource;

    /// <summary>One resource of a config dump: its kind's path segment, its name, its config, the proxy's status for it, and whether it is only warming.</summary>
    private sealed record Resource(string Kind, string Name, Node Config, string? Status, bool Warming);

    /// <summary>
    /// The drifts of <paramref name="liveDump"/> from <paramref name="desiredDump"/>, ordered by path; a
    /// <see cref="ProxyReadException"/> (<see cref="ProxyProblem.Invalid"/>) naming the source of a side
    /// that is no config dump.
    /// </summary>
    public static IReadOnlyList<Drift> Compare(ResourceKey resource, Node desiredDump, string desiredSource, Node liveDump, string liveSource)
    {
        var comparer = new EnvoyComparer(resource);
        var desired = Resources(ConfigsOf(desiredDump, desiredSource));
        var live = Resources(ConfigsOf(liveDump, liveSource));
        foreach (var want in desired)
        {
            var path = $"/{want.Kind}/{Paths.PathStep.Escape(want.Name)}";
            var have = live.Find(r => r.Kind == want.Kind && r.Name == want.Name);
            if (have is null)
            {
                comparer.Emit(DriftKind.Missing, want.Config, null, path, Severity.High);
                continue;
            }

            comparer.Value(want.Config, have.Config, path, Severity.High, null);
        }

        foreach (var have in live)
        {
            var path = $"/{have.Kind}/{Paths.PathStep.Escape(have.Name)}";
            if (!desired.Exists(r => r.Kind == have.Kind && r.Name == have.Name))
            {
                comparer.Emit(DriftKind.Added, null, have.Config, path, Severity.High);
            }

            if (have.Status is { } status)
            {
                comparer.Emit(DriftKind.Modified, ScalarNode.String("ACKED"), ScalarNode.String(status), path + "/status", Severity.Critical);
            }
        }

        comparer._drifts.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return comparer._drifts;
    }

    /// <summary>
    /// The entries of a config dump: <c>configs</c>, each an <c>envoy.admin.v3.*ConfigDump</c>. Anything
    /// else (another proxy's config, a stats page, <c>{}</c>) would read as a proxy without config, every
    /// resource <c>Missing</c>, so it is refused naming its source. A dump with no resources is well-formed:
    /// a proxy that holds no config.
    /// </summary>
    private static ListNode ConfigsOf(Node dump, string source)
    {
        if (dump is not MapNode root || root["configs"] is not ListNode configs)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, source, "not an Envoy config dump: no \"configs\" list (the admin API's GET /config_dump has one)");
        }

        for (var i = 0; i < configs.Count; i++)
        {
            var type = (configs[i] as MapNode)?.GetString("@type");
            if (type is null || !type.StartsWith(ConfigDumpTypePrefix, StringComparison.Ordinal) || !type.EndsWith("ConfigDump", StringComparison.Ordinal))
            {
                throw new ProxyReadException(ProxyProblem.Invalid, source, $"not an Envoy config dump: configs[{i}] is {(type is null ? "no object with an @type" : type)}, not a {ConfigDumpTypePrefix}*ConfigDump");
            }
        }

        return configs;
    }

    /// <summary>
    /// The clusters, listeners and route configurations of a dump (static and dynamic, active and
    /// warming). One both active and warming (an update on its way) is its active version, the one
    /// serving traffic; a listener only draining (removed, closing its connections) is not there.
    /// </summary>
    private static List<Resource> Resources(ListNode configs)
    {
        var resources = new List<Resource>();
        var indexOf = new Dictionary<(string Kind, string Name), int>();
        foreach (var config in configs.Items.OfType<MapNode>())
        {
            foreach (var (key, value) in config.Entries)
            {
                if (value is not ListNode items)
                {
                    continue;
                }

                foreach (var item in items.Items.OfType<MapNode>())
                {
                    var active = (item["active_state"] as MapNode)?["listener"];
                    var (kind, inner, warming) = key switch
                    {
                        "static_clusters" or "dynamic_active_clusters" => ("clusters", item["cluster"], false),
                        "dynamic_warming_clusters" => ("clusters", item["cluster"], true),
                        "static_listeners" => ("listeners", item["listener"], false),
                        "dynamic_listeners" => ("listeners", active ?? (item["warming_state"] as MapNode)?["listener"], active is null),
                        "static_route_configs" or "dynamic_route_configs" => ("routes", item["route_config"], false),
                        _ => (null, null, false),
                    };
                    var status = StatusOf(item);
                    var name = (inner as MapNode)?["name"] is ScalarNode n ? n.Text : (item["name"] as ScalarNode)?.Text;

                    // Without a config or a word from the proxy (a listener only draining), nothing runs.
                    if (kind is null || name is null || (inner is null && status is null))
                    {
                        continue;
                    }

                    var resource = new Resource(kind, name, inner ?? MapNode.Empty, status, warming);
                    if (indexOf.TryGetValue((kind, name), out var at))
                    {
                        resources[at] = OneOf(resources[at], resource);
                    }
                    else
                    {
                        indexOf.Add((kind, name), resources.Count);
                        resources.Add(resource);
                    }
                }
            }
        }

        return resources;
    }

    /// <summary>Two entries of one resource as one: the active version over a warming one, with what the proxy reported of either.</summary>
    private static Resource OneOf(Resource first, Resource second)
    {
        var (kept, other) = first.Warming && !second.Warming ? (second, first) : (first, second);
        return kept with { Status = kept.Status ?? other.Status };
    }

    /// <summary>What the proxy says of a resource it was sent, when that is not a plain acceptance.</summary>
    private static string? StatusOf(MapNode item)
    {
        var client = (item["client_status"] as ScalarNode)?.Text;
        var error = item["error_state"] as MapNode;
        if (error is null && (client is null or "ACKED"))
        {
            return null;
        }

        var details = (error?["details"] as ScalarNode)?.Text;
        return $"{client ?? "NACKED"}{(details is null ? string.Empty : ": " + details)}";
    }

    /// <summary>Compares one value; <paramref name="field"/> is the member that holds it, none for a list element or a whole resource.</summary>
    private void Value(Node? desired, Node? live, string path, Severity severity, string? field)
    {
        // Two objects are compared member by member, which takes each member's defaults into
        // account: asking first whether either is all defaults would walk every subtree again at
        // every level.
        if (desired is MapNode && live is MapNode)
        {
            Members((MapNode)desired, (MapNode)live, path, severity);
            return;
        }

        var desiredDefault = IsDefault(desired, field);
        var liveDefault = IsDefault(live, field);
        if (desiredDefault && liveDefault)
        {
            return;
        }

        if (desiredDefault || liveDefault)
        {
            Emit(desiredDefault ? DriftKind.Added : DriftKind.Missing, desiredDefault ? null : desired, liveDefault ? null : live, path, severity);
            return;
        }

        switch (desired)
        {
            case ListNode d when live is ListNode l && Named(d) && Named(l):
                ByName(d, l, path, severity);
                break;
            case ListNode d when live is ListNode l && (d.Items.Any(i => i is MapNode) || l.Items.Any(i => i is MapNode)):
                for (var i = 0; i < Math.Min(d.Count, l.Count); i++)
                {
                    Value(d[i], l[i], $"{path}[{i}]", severity, null);
                }

                // An element of a repeated field is there even when its fields are all defaults.
                for (var i = l.Count; i < d.Count; i++)
                {
                    Emit(DriftKind.Missing, d[i], null, $"{path}[{i}]", severity);
                }

                for (var i = d.Count; i < l.Count; i++)
                {
                    Emit(DriftKind.Added, null, l[i], $"{path}[{i}]", severity);
                }

                break;
            case ScalarNode d when live is ScalarNode l && d.ValueEquals(l):
                break;
            default:
                if (desired!.ToJson() != live!.ToJson())
                {
                    Emit(DriftKind.Modified, desired, live, path, severity);
                }

                break;
        }
    }

    private void ByName(ListNode desired, ListNode live, string path, Severity severity)
    {
        var liveNames = live.Items.Select(NameOf).ToList();
        foreach (var item in desired.Items)
        {
            var name = NameOf(item)!;
            var at = liveNames.IndexOf(name);
            Value(item, at < 0 ? null : live[at], $"{path}[name={name}]", severity, null);
        }

        var desiredNames = desired.Items.Select(NameOf).ToList();
        foreach (var item in live.Items.Where(i => !desiredNames.Contains(NameOf(i))))
        {
            Value(null, item, $"{path}[name={NameOf(item)}]", severity, null);
        }

        var desiredOrder = desiredNames.Where(liveNames.Contains).ToList();
        var liveOrder = liveNames.Where(desiredNames.Contains).ToList();
        if (!desiredOrder.SequenceEqual(liveOrder))
        {
            Emit(DriftKind.Modified, Names(desiredOrder), Names(liveOrder), path, severity);
        }
    }

    private static bool Named(ListNode list) => list.Count > 0 && list.Items.All(i => NameOf(i) is not null) && list.Items.Select(NameOf).Distinct().Count() == list.Count;

    private static string? NameOf(Node item) => item is MapNode map && map["name"] is ScalarNode { Kind: NodeKind.String } name ? name.Text : null;

    private void Members(MapNode desired, MapNode live, string path, Severity severity)
    {
        foreach (var key in desired.Entries.Select(e => e.Key).Concat(live.Entries.Select(e => e.Key).Where(k => desired[k] is null)))
        {
            if (Array.IndexOf(Bookkeeping, key) < 0)
            {
                Value(desired[key], live[key], path + "/" + Paths.PathStep.Escape(key), severity, key);
            }
        }
    }

    private static ListNode Names(List<string?> names) => new([.. names.Select(n => (Node)ScalarNode.String(n!))], 0);

    /// <summary>Proto3 JSON's defaults, which equal an absent field; <paramref name="field"/> is the member holding <paramref name="node"/>, if any.</summary>
    private static bool IsDefault(Node? node, string? field) => node switch
    {
        null => true,
        ScalarNode s => s.Kind switch
        {
            NodeKind.Null => true,
            NodeKind.Bool => !s.BoolValue,
            NodeKind.Number => s.Exact == 0m,
            NodeKind.String => IsDefaultText(s.Text, field),
            _ => false,
        },
        MapNode m => m.Entries.All(e => Array.IndexOf(Bookkeeping, e.Key) >= 0 || IsDefault(e.Value, e.Key)),
        ListNode l => l.Count == 0,
        _ => false,
    };

    /// <summary>
    /// A string proto3 JSON writes for a default: empty, a zero int64 (written quoted), a zero
    /// duration, or the zero value of the enum a field holds.
    /// </summary>
    private static bool IsDefaultText(string text, string? field) =>
        text.Length == 0
        || text == "0"
        || ZeroDuration().IsMatch(text)
        || (field is not null && ((EnumZeroValues.TryGetValue(field, out var zero) && text == zero) || UnspecifiedEnumValue().IsMatch(text)));

    [GeneratedRegex(@"^-?0+(\.0+)?s$", RegexOptions.CultureInvariant)]
    private static partial Regex ZeroDuration();

    /// <summary>By the protobuf style guide an enum's zero value is <c>X_UNSPECIFIED</c> (core.RequestMethod's <c>METHOD_UNSPECIFIED</c>); no other value ends so.</summary>
    [GeneratedRegex(@"^[A-Z][A-Z0-9_]*_UNSPECIFIED$", RegexOptions.CultureInvariant)]
    private static partial Regex UnspecifiedEnumValue();

    private void Emit(DriftKind kind, Node? desired, Node? live, string path, Severity severity) =>
        _drifts.Add(new Drift(_resource, path, kind, severity, desired, live, null, null, null));
}
