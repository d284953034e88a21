using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Proxies;

/// <summary>
/// Compares a Caddy JSON config as declared with the config Caddy runs (its admin API's
/// <c>GET /config/</c>). Caddy's config is exactly what was loaded (no defaults filled in), so
/// everything counts both ways: a field the code lacks is drift too.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Paths are JSON pointers into the config; a route is addressed by its <c>@id</c> when it
/// has one (<c>/routes[@id=api]</c>), else by position (<c>/routes[2]</c>).</item>
/// <item>A route without <c>@id</c> is the same route as an identical one wherever it stands, else
/// as the one at its position; one changed and moved at once is <c>Missing</c> where declared and
/// <c>Added</c> where it runs.</item>
/// <item>Route order is meaning (the first match wins): the same routes in another order are one
/// drift at the list, <c>Modified</c>, with both orders (routes named by <c>@id</c>, else by their
/// declared position, <c>[2]</c>).</item>
/// <item>A reverse proxy's <c>upstreams</c> are a set: compared whatever their order, each
/// addressed by its <c>dial</c>.</item>
/// <item>Other lists of objects (handlers, matchers) are compared element by element in order
/// (<c>/handle[0]</c>); lists of plain values are compared whole. Numbers compare by value.</item>
/// <item>Severity: <c>critical</c> for anything inside an <c>authentication</c> handler, TLS
/// (<c>tls</c>, <c>tls_connection_policies</c>, <c>automatic_https</c>), or a <c>headers</c> handler
/// or a <c>reverse_proxy</c>'s <c>headers</c> that touch an authentication header
/// (<see cref="ProxySecrets.IsAuthHeader"/>: a name containing <c>auth</c> or <c>api-key</c>, <c>Cookie</c>, <c>Set-Cookie</c>);
/// <c>high</c> for routes, their matchers and upstreams; <c>medium</c> for the rest. A change of
/// route order is as severe as the most severe route it moves, a part added or missing whole as
/// the most severe thing in it.</item>
/// </list>
/// </remarks>
public sealed class CaddyComparer
{
    private static readonly string[] TlsKeys = ["tls", "tls_connection_policies", "automatic_https"];

    /// <summary>The keys at the top of a Caddy config, and <c>@id</c>, which any of its objects may carry.</summary>
    private static readonly string[] TopLevelKeys = ["admin", "logging", "storage", "apps", "@id"];

    private readonly ResourceKey _resource;
    private readonly List<Drift> _drifts = [];

    /// <summary>Only whether anything differs matters (is this route the same as that one?): the first drift ends it.</summary>
    private readonly bool _firstDriftOnly;

    private CaddyComparer(ResourceKey resource, bool firstDriftOnly = false)
    {
        _resource = resource;
        _firstDriftOnly = firstDriftOnly;
    }

    /// <summary>The drifts of a running Caddy (<paramref name="live"/>) from its declared config, ordered by path.</summary>
    public static IReadOnlyList<Drift> Compare(ResourceKey resource, Node desired, Node live, SourceLocation? source = null)
    {
        var comparer = new CaddyComparer(resource);
        if (desired is MapNode desiredConfig && live is MapNode liveConfig)
        {
            // The config itself is always there, if empty: what it lacks is missing key by key.
            comparer.Map(desiredConfig, liveConfig, string.Empty, Severity.Medium, source);
        }
        else
        {
            comparer.Value(desired, live, string.Empty, Severity.Medium, source);
        }

        comparer._drifts.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return comparer._drifts;
    }

    /// <summary>
    /// The declared config (a file): one JSON object; a <see cref="ProxyReadException"/> naming the
    /// file otherwise. Not <c>null</c>: a revert loads the declared config, and null would stop every app.
    /// </summary>
    public static MapNode ReadDeclared(byte[] bytes, string source) =>
        IsNull(bytes)
            ? throw new ProxyReadException(ProxyProblem.Invalid, source, "null declares no config; an empty Caddy config is {}")
            : CaddyConfig(ProxyComparison.Json(bytes, source), source);

    /// <summary>What Caddy runs, as <c>GET /config/</c> answers; <c>null</c> (no config loaded) is the empty config.</summary>
    public static MapNode ReadRunning(byte[] bytes, string source) =>
        IsNull(bytes) ? MapNode.Empty : CaddyConfig(ProxyComparison.Json(bytes, source), source);

    /// <summary>
    /// A JSON object whose top level Caddy's could have: another's (an Envoy dump's <c>configs</c>,
    /// a stats page) would otherwise read as every declared part missing and all of its own added.
    /// </summary>
    private static MapNode CaddyConfig(MapNode config, string source)
    {
        var foreign = config.Entries.Where(e => Array.IndexOf(TopLevelKeys, e.Key) < 0).ToList();
        if (foreign.Count == 0)
        {
            return config;
        }

        var named = string.Join(", ", foreign.Take(3).Select(e => $"'{(e.Key.Length > 40 ? e.Key[..40] + "..." : e.Key)}'"));
        throw new ProxyReadException(ProxyProblem.Invalid, source, $"not a Caddy config: its top level has {named}{(foreign.Count > 3 ? ", ..." : string.Empty)}, where Caddy's has only admin, logging, storage and apps", foreign[0].Value.Line);
    }

    private static bool IsNull(byte[] bytes) => bytes.AsSpan().Trim(" \t\r\n"u8).SequenceEqual("null"u8);

    private void Value(Node? desired, Node? live, string path, Severity severity, SourceLocation? source)
    {
        if (_firstDriftOnly && _drifts.Count > 0)
        {
            return;
        }

        if (desired is null || desired.IsEmpty)
        {
            if (live is not null && !live.IsEmpty)
            {
                Emit(DriftKind.Added, null, live, path, Whole(severity, live), source);
            }

            return;
        }

        if (live is null || live.IsEmpty)
        {
            Emit(DriftKind.Missing, desired, null, path, Whole(severity, desired), source);
            return;
        }

        switch (desired)
        {
            case MapNode d when live is MapNode l:
                Map(d, l, path, Escalate(severity, d, l), source);
                break;
            case ListNode d when live is ListNode l && Last(path) == "routes":
                Routes(d, l, path, Max(severity, Severity.High), source);
                break;
            case ListNode d when live is ListNode l && Last(path) == "upstreams":
                Upstreams(d, l, path, Max(severity, Severity.High), source);
                break;
            case ListNode d when live is ListNode l && (d.Items.Any(i => i is not ScalarNode) || l.Items.Any(i => i is not ScalarNode)):
                Positions(d, l, path, Escalate(severity, d, l), source);
                break;
            case ScalarNode d when live is ScalarNode l && d.ValueEquals(l):
                break;
            default:
                if (!SameJson(desired, live))
                {
                    Emit(DriftKind.Modified, desired, live, path, Escalate(severity, desired, live), source);
                }

                break;
        }
    }

    private void Map(MapNode desired, MapNode live, string path, Severity severity, SourceLocation? source)
    {
        foreach (var (key, value) in desired.Entries)
        {
            var child = path + "/" + Paths.PathStep.Escape(key);
            Value(value, live[key], child, KeySeverity(key, severity), source);
        }

        foreach (var (key, value) in live.Entries)
        {
            if (desired[key] is null)
            {
                Value(null, value, path + "/" + Paths.PathStep.Escape(key), KeySeverity(key, severity), source);
            }
        }
    }

    /// <summary>
    /// Routes: by <c>@id</c> where set; without one, the same route wherever it stands (so a
    /// route moved is one order drift, not a route Added and one Missing), else the route at the
    /// same position; then the order of every route found on both sides.
    /// </summary>
    private void Routes(ListNode desired, ListNode live, string path, Severity severity, SourceLocation? source)
    {
        var liveOf = Enumerable.Repeat(-1, desired.Count).ToArray();
        var livePaired = new bool[live.Count];
        void Pair(int d, int l)
        {
            liveOf[d] = l;
            livePaired[l] = true;
        }

        var liveById = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var l = 0; l < live.Count; l++)
        {
            if (IdOf(live[l]) is { } id)
            {
                liveById.TryAdd(id, l);
            }
        }

        for (var d = 0; d < desired.Count; d++)
        {
            if (IdOf(desired[d]) is { } id && liveById.TryGetValue(id, out var l) && !livePaired[l])
            {
                Pair(d, l);
                Value(desired[d], live[l], $"{path}[@id={id}]", RouteSeverity(severity, desired[d], live[l]), source);
            }
        }

        // Without @id, an identical route in place is the same route; what differs in place is kept
        // for the case that neither side's route turns up elsewhere.
        var inPlace = new Dictionary<int, List<Drift>>();
        for (var i = 0; i < Math.Min(desired.Count, live.Count); i++)
        {
            if (IdOf(desired[i]) is null && IdOf(live[i]) is null)
            {
                var drifts = Drifts(desired[i], live[i], $"{path}[{i}]", RouteSeverity(severity, desired[i], live[i]), source);
                if (drifts.Count == 0)
                {
                    Pair(i, i);
                }
                else
                {
                    inPlace[i] = drifts;
                }
            }
        }

        // An identical route elsewhere: moved, which only the order below reports. Only routes of
        // the same shape are tried, so hundreds of routes changed at once are not tried each with each.
        var liveByShape = Enumerable.Range(0, live.Count)
            .Where(l => !livePaired[l] && IdOf(live[l]) is null)
            .ToLookup(l => Shape(live[l]));
        for (var d = 0; d < desired.Count; d++)
        {
            if (liveOf[d] < 0 && IdOf(desired[d]) is null)
            {
                // In place (l == d) it already differed.
                var l = liveByShape[Shape(desired[d])].FirstOrDefault(candidate => candidate != d && !livePaired[candidate] && Same(desired[d], live[candidate]), -1);
                if (l >= 0)
                {
                    Pair(d, l);
                }
            }
        }

        // Changed, and the other side's route at its position is not found elsewhere: changed in place.
        foreach (var (i, drifts) in inPlace)
        {
            if (liveOf[i] < 0 && !livePaired[i])
            {
                Pair(i, i);
                _drifts.AddRange(drifts);
            }
        }

        // What is left was removed or added, or changed and moved at once: Missing where the code
        // has it, Added where it runs.
        for (var d = 0; d < desired.Count; d++)
        {
            if (liveOf[d] < 0)
            {
                Value(desired[d], null, RouteAddress(path, desired[d], d), RouteSeverity(severity, desired[d], null), source);
            }
        }

        for (var l = 0; l < live.Count; l++)
        {
            if (!livePaired[l])
            {
                Value(null, live[l], RouteAddress(path, live[l], l), RouteSeverity(severity, null, live[l]), source);
            }
        }

        RouteOrder(desired, live, liveOf, path, severity, source);
    }

    /// <summary>
    /// The routes found on both sides, in each side's order, named by <c>@id</c> or else by their
    /// declared position (<c>[2]</c>): first match wins, so another order is one drift with both.
    /// </summary>
    private void RouteOrder(ListNode desired, ListNode live, int[] liveOf, string path, Severity severity, SourceLocation? source)
    {
        var pairs = Enumerable.Range(0, desired.Count).Where(d => liveOf[d] >= 0).ToList();
        var byLive = pairs.OrderBy(d => liveOf[d]).ToList();
        if (pairs.SequenceEqual(byLive))
        {
            return;
        }

        // As severe as the most severe route it moves: an auth route moved behind a catch-all is bypassed.
        var moved = pairs.Where((d, rank) => byLive[rank] != d);
        var orderSeverity = moved.Any(d => ContainsAuthHandler(desired[d]) || ContainsAuthHandler(live[liveOf[d]])) ? Severity.Critical : severity;
        Emit(DriftKind.Modified, OrderNode(pairs.Select(d => RouteName(desired[d], d))), OrderNode(byLive.Select(d => RouteName(desired[d], d))), path, orderSeverity, source);
    }

    /// <summary>What comparing <paramref name="desired"/> with <paramref name="live"/> finds, kept apart from this comparison's drifts.</summary>
    private List<Drift> Drifts(Node desired, Node live, string path, Severity severity, SourceLocation? source)
    {
        var apart = new CaddyComparer(_resource, _firstDriftOnly);
        apart.Value(desired, live, path, severity, source);
        return apart._drifts;
    }

    /// <summary>No drift between the two; each route is tried against many, so the first difference decides.</summary>
    private bool Same(Node desired, Node live)
    {
        var probe = new CaddyComparer(_resource, firstDriftOnly: true);
        probe.Value(desired, live, string.Empty, Severity.Medium, null);
        return probe._drifts.Count == 0;
    }

    /// <summary>
    /// A hash that two parts with no drift between them share: empty values count as absent, keys
    /// in any order, upstreams as a set, trailing empty list elements as none, numbers by value.
    /// Parts that differ may share it too; <see cref="Same"/> decides.
    /// </summary>
    private static int Shape(Node? node, string key = "")
    {
        switch (node)
        {
            case null:
            case { IsEmpty: true }:
                return 0;
            case ScalarNode { Kind: NodeKind.Number } number:
                return HashCode.Combine(NodeKind.Number, number.Approx == 0 ? 0d : number.Approx);
            case ScalarNode scalar:
                return HashCode.Combine(scalar.Kind, scalar.Text);
            case MapNode map:
                // A sum: the same whatever the keys' order.
                return map.Entries.Aggregate(1, (hash, e) => e.Value.IsEmpty ? hash : unchecked(hash + HashCode.Combine(e.Key, Shape(e.Value, e.Key))));
            case ListNode list when key == "upstreams":
                return list.Items.Aggregate(2, (hash, item) => unchecked(hash + Shape(item)));
            case ListNode list:
                var items = list.Items.Select(item => Shape(item)).ToList();
                var hashOfItems = new HashCode();
                foreach (var item in items.Take(items.FindLastIndex(item => item != 0) + 1))
                {
                    hashOfItems.Add(item);
                }

                return hashOfItems.ToHashCode();
            default:
                return 0;
        }
    }

    private static string RouteAddress(string path, Node route, int position) =>
        IdOf(route) is { } id ? $"{path}[@id={id}]" : $"{path}[{position}]";

    private static string RouteName(Node route, int position) => IdOf(route) ?? $"[{position}]";

    private static Severity RouteSeverity(Severity severity, Node? desired, Node? live) =>
        ContainsAuthHandler(desired) || ContainsAuthHandler(live) ? Severity.Critical : severity;

    /// <summary>A list of objects (handlers, matchers): element by element, in order.</summary>
    private void Positions(ListNode desired, ListNode live, string path, Severity severity, SourceLocation? source)
    {
        for (var i = 0; i < Math.Max(desired.Count, live.Count); i++)
        {
            Value(i < desired.Count ? desired[i] : null, i < live.Count ? live[i] : null, $"{path}[{i}]", severity, source);
        }
    }

    /// <summary>Upstreams: a set, each addressed by its <c>dial</c>.</summary>
    private void Upstreams(ListNode desired, ListNode live, string path, Severity severity, SourceLocation? source)
    {
        var unmatched = live.Items.ToList();
        foreach (var upstream in desired.Items)
        {
            var same = unmatched.FindIndex(l => SameJson(upstream, l));
            if (same >= 0)
            {
                unmatched.RemoveAt(same);
                continue;
            }

            var dial = Dial(upstream);
            var partner = dial is null ? -1 : unmatched.FindIndex(l => Dial(l) == dial);
            if (partner >= 0)
            {
                Value(upstream, unmatched[partner], $"{path}[dial={dial}]", severity, source);
                unmatched.RemoveAt(partner);
            }
            else
            {
                Emit(DriftKind.Missing, upstream, null, dial is null ? path : $"{path}[dial={dial}]", severity, source);
            }
        }

        foreach (var extra in unmatched)
        {
            Emit(DriftKind.Added, null, extra, Dial(extra) is { } dial ? $"{path}[dial={dial}]" : path, severity, source);
        }
    }

    private void Emit(DriftKind kind, Node? desired, Node? live, string path, Severity severity, SourceLocation? source) =>
        _drifts.Add(new Drift(_resource, path, kind, severity, desired, live, null, null, source?.AtLine(desired?.Line ?? 0)));

    /// <summary>Entering a key can make what is below it critical (TLS) or a route's part (high).</summary>
    private static Severity KeySeverity(string key, Severity severity) =>
        Array.IndexOf(TlsKeys, key) >= 0 ? Severity.Critical
        : key is "match" or "handle" or "upstreams" or "routes" ? Max(severity, Severity.High)
        : severity;

    /// <summary>
    /// A part added or missing whole (a server, a route list emptied) is as severe as the most
    /// severe thing in it would be on its own: an auth handler or TLS inside makes it critical.
    /// </summary>
    private static Severity Whole(Severity severity, Node node) => node switch
    {
        MapNode map => map.Entries.Where(e => !e.Value.IsEmpty).Aggregate(Escalate(severity, map), (worst, e) => Max(worst, Whole(KeySeverity(e.Key, severity), e.Value))),
        ListNode list => list.Items.Aggregate(severity, (worst, item) => Max(worst, Whole(severity, item))),
        _ => severity,
    };

    /// <summary>An authentication handler, or one that sets or strips an auth header, makes everything in it critical.</summary>
    private static Severity Escalate(Severity severity, params Node[] sides) =>
        sides.Any(side => side is MapNode map && IsAuthHandler(map)) ? Severity.Critical : severity;

    /// <summary>
    /// Authentication, a <c>headers</c> handler that touches an auth header, or a <c>reverse_proxy</c>
    /// whose <c>headers</c> (to the upstream or back) do. Only its <c>headers</c>: an upstream's dial
    /// (<c>auth-service:8080</c>) names a host, not a header.
    /// </summary>
    private static bool IsAuthHandler(MapNode map) =>
        map["handler"] is ScalarNode handler
        && (handler.Text == "authentication"
            || (handler.Text == "headers" && TouchesAuthHeader(map))
            || (handler.Text == "reverse_proxy" && map["headers"] is { } headers && TouchesAuthHeader(headers)));

    /// <summary>A route (or any part) whose handlers, at any depth, include authentication.</summary>
    private static bool ContainsAuthHandler(Node? node) => node switch
    {
        MapNode map => IsAuthHandler(map) || map.Entries.Any(e => ContainsAuthHandler(e.Value)),
        ListNode list => list.Items.Any(ContainsAuthHandler),
        _ => false,
    };

    private static bool TouchesAuthHeader(Node node) => node switch
    {
        MapNode map => map.Entries.Any(e => ProxySecrets.IsAuthHeader(e.Key) || TouchesAuthHeader(e.Value)),
        ListNode list => list.Items.Any(TouchesAuthHeader),
        ScalarNode scalar => ProxySecrets.IsAuthHeader(scalar.Text),
        _ => false,
    };

    private static string? IdOf(Node route) => route is MapNode map && map["@id"] is ScalarNode { Kind: NodeKind.String } id ? id.Text : null;

    private static string? Dial(Node upstream) => upstream is MapNode map && map["dial"] is ScalarNode dial ? dial.Text : null;

    private static ListNode OrderNode(IEnumerable<string> names) => new([.. names.Select(name => (Node)ScalarNode.String(name))], 0);

    private static string Last(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static Severity Max(Severity a, Severity b) => a > b ? a : b;

    /// <summary>Equal as JSON values: maps whatever their key order, lists in order, numbers by value.</summary>
    private static bool SameJson(Node a, Node b) => (a, b) switch
    {
        (ScalarNode x, ScalarNode y) => x.ValueEquals(y),
        (MapNode x, MapNode y) => x.Count == y.Count && x.Entries.All(e => y[e.Key] is { } other && SameJson(e.Value, other)),
        (ListNode x, ListNode y) => x.Count == y.Count && x.Items.Zip(y.Items).All(p => SameJson(p.First, p.Second)),
        _ => false,
    };
}
