using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Tests.Proxies;

/// <summary>The Caddy config rules: route addressing and order, upstream sets, severities, both-ways counting.</summary>
public class CaddyComparerTests
{
    private static readonly ResourceKey Proxy = ProxyComparison.Resource(ProxyKind.Caddy, "edge");

    [Fact]
    public void Routes_without_an_id_are_compared_by_position()
    {
        var drifts = Compare(
            """{"routes":[{"handle":[{"handler":"static_response","body":"a"}]},{"handle":[{"handler":"static_response","body":"b"}]}]}""",
            """{"routes":[{"handle":[{"handler":"static_response","body":"a"}]},{"handle":[{"handler":"static_response","body":"c"}]},{"handle":[]}]}""");

        Assert.Equal(["/routes[1]/handle[0]/body Modified high", "/routes[2] Added high"], drifts);
    }

    [Fact]
    public void Routes_with_an_id_are_found_wherever_they_are_and_extra_or_missing_ones_are_drift()
    {
        var drifts = Compare(
            """{"routes":[{"@id":"a","terminal":true},{"@id":"b"},{"@id":"c"}]}""",
            """{"routes":[{"@id":"a","terminal":false},{"@id":"c"},{"@id":"d"}]}""");

        Assert.Equal(["/routes[@id=a]/terminal Modified high", "/routes[@id=b] Missing high", "/routes[@id=d] Added high"], drifts);
    }

    [Fact]
    public void The_same_routes_in_another_order_are_one_drift_with_both_orders()
    {
        var drift = Assert.Single(CaddyComparer.Compare(Proxy, Json("""{"routes":[{"@id":"a"},{"@id":"b"}]}"""), Json("""{"routes":[{"@id":"b"},{"@id":"a"}]}""")));

        Assert.Equal(("/routes", DriftKind.Modified, Severity.High), (drift.Path, drift.Kind, drift.Severity));
        Assert.Equal("[\"a\",\"b\"]", drift.Desired!.ToJson());
        Assert.Equal("[\"b\",\"a\"]", drift.Live!.ToJson());
    }

    private const string AuthRoute = """{"match":[{"path":["/admin/*"]}],"handle":[{"handler":"authentication","providers":{"http_basic":{}}}]}""";
    private const string ApiRoute = """{"@id":"api","match":[{"path":["/api/*"]}],"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"}]}]}""";
    private const string CatchAll = """{"handle":[{"handler":"static_response","body":"ok"}]}""";

    [Fact]
    public void A_route_without_an_id_moved_in_front_of_the_auth_route_is_one_critical_order_drift()
    {
        var drift = Assert.Single(CaddyComparer.Compare(
            Proxy,
            Json($$"""{"routes":[{{AuthRoute}},{{ApiRoute}},{{CatchAll}}]}"""),
            Json($$"""{"routes":[{{CatchAll}},{{AuthRoute}},{{ApiRoute}}]}""")));

        Assert.Equal(("/routes", DriftKind.Modified, Severity.Critical), (drift.Path, drift.Kind, drift.Severity));
        Assert.Equal("""["[0]","api","[2]"]""", drift.Desired!.ToJson());
        Assert.Equal("""["[2]","[0]","api"]""", drift.Live!.ToJson());
    }

    [Fact]
    public void Routes_without_an_id_swapped_without_touching_auth_are_one_high_order_drift()
    {
        const string Other = """{"match":[{"path":["/b"]}],"handle":[{"handler":"static_response","body":"b"}]}""";

        var drift = Assert.Single(CaddyComparer.Compare(Proxy, Json($$"""{"routes":[{{Other}},{{CatchAll}}]}"""), Json($$"""{"routes":[{{CatchAll}},{{Other}}]}""")));

        Assert.Equal(("/routes", DriftKind.Modified, Severity.High), (drift.Path, drift.Kind, drift.Severity));
        Assert.Equal(("""["[0]","[1]"]""", """["[1]","[0]"]"""), (drift.Desired!.ToJson(), drift.Live!.ToJson()));
    }

    [Fact]
    public void A_route_without_an_id_removed_or_added_leaves_the_others_alone()
    {
        Assert.Equal(
            ["/routes[0] Missing critical"],
            Compare($$"""{"routes":[{{AuthRoute}},{{ApiRoute}},{{CatchAll}}]}""", $$"""{"routes":[{{ApiRoute}},{{CatchAll}}]}"""));
        Assert.Equal(
            ["/routes[1] Added high"],
            Compare($$"""{"routes":[{{ApiRoute}},{{CatchAll}}]}""", $$"""{"routes":[{{ApiRoute}},{"handle":[{"handler":"static_response","body":"new"}]},{{CatchAll}}]}"""));
    }

    [Fact]
    public void A_route_without_an_id_changed_and_moved_at_once_is_missing_where_declared_and_added_where_it_runs()
    {
        var drifts = Compare(
            $$"""{"routes":[{{AuthRoute}},{{ApiRoute}},{{CatchAll}}]}""",
            $$"""{"routes":[{"handle":[{"handler":"static_response","body":"maintenance"}]},{{AuthRoute}},{{ApiRoute}}]}""");

        Assert.Equal(["/routes[0] Added high", "/routes[2] Missing high"], drifts);
    }

    [Fact]
    public void A_route_without_an_id_moved_is_found_whatever_its_key_order_empty_fields_number_forms_and_upstream_order()
    {
        const string Declared = """{"match":[{"path":["/x"]}],"handle":[{"handler":"reverse_proxy","flush_interval":10,"upstreams":[{"dial":"a:1"},{"dial":"b:1"}]}]}""";
        const string Running = """{"terminal":null,"handle":[{"headers":{},"upstreams":[{"dial":"b:1"},{"dial":"a:1"}],"flush_interval":10.0,"handler":"reverse_proxy"},{}],"match":[{"path":["/x"]}]}""";

        var drift = Assert.Single(CaddyComparer.Compare(Proxy, Json($$"""{"routes":[{{Declared}},{{CatchAll}}]}"""), Json($$"""{"routes":[{{CatchAll}},{{Running}}]}""")));

        Assert.Equal(("/routes", """["[0]","[1]"]""", """["[1]","[0]"]"""), (drift.Path, drift.Desired!.ToJson(), drift.Live!.ToJson()));
    }

    [Fact]
    public void Identical_routes_without_an_id_stay_paired_in_place()
    {
        Assert.Empty(Compare($$"""{"routes":[{{CatchAll}},{{CatchAll}}]}""", $$"""{"routes":[{{CatchAll}},{{CatchAll}}]}"""));
        // The second one in place is the same route, so the first one changed (not: moved, and one missing).
        Assert.Equal(
            ["/routes[0]/handle[0]/body Modified high"],
            Compare($$"""{"routes":[{{CatchAll}},{{CatchAll}}]}""", $$"""{"routes":[{"handle":[{"handler":"static_response","body":"no"}]},{{CatchAll}}]}"""));
    }

    [Fact]
    public void Upstreams_compare_as_a_set_addressed_by_dial()
    {
        const string Desired = """{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"},{"dial":"b:1","max_requests":10}]}]}""";

        Assert.Empty(Compare(Desired, """{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"b:1","max_requests":10},{"dial":"a:1"}]}]}"""));
        Assert.Equal(
            ["/handle[0]/upstreams[dial=b:1]/max_requests Modified high"],
            Compare(Desired, """{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"},{"dial":"b:1","max_requests":99}]}]}"""));
    }

    [Theory]
    [InlineData("""{"handler":"authentication","providers":{"http_basic":{"realm":"a"}}}""", """{"handler":"authentication","providers":{"http_basic":{"realm":"b"}}}""", "critical")]
    [InlineData("""{"handler":"headers","request":{"delete":["Authorization"]}}""", """{"handler":"headers","request":{"delete":[]}}""", "critical")]
    [InlineData("""{"handler":"headers","response":{"set":{"X-Frame-Options":["DENY"]}}}""", """{"handler":"headers","response":{"set":{"X-Frame-Options":["SAMEORIGIN"]}}}""", "high")]
    [InlineData("""{"handler":"headers","request":{"set":{"X-Api-Key":["a"]}}}""", """{"handler":"headers","request":{"set":{"X-Api-Key":["b"]}}}""", "critical")]
    [InlineData("""{"handler":"reverse_proxy","headers":{"request":{"set":{"Authorization":["Bearer a"]}}}}""", """{"handler":"reverse_proxy","headers":{"request":{"set":{"Authorization":["Bearer b"]}}}}""", "critical")]
    [InlineData("""{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"}]}""", """{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"}],"headers":{"request":{"delete":["Cookie"]}}}""", "critical")]
    [InlineData("""{"handler":"reverse_proxy","headers":{"response":{"add":{"Set-Cookie":["s=1"]}}}}""", """{"handler":"reverse_proxy","headers":{"response":{"add":{"Set-Cookie":["s=2"]}}}}""", "critical")]
    [InlineData("""{"handler":"reverse_proxy","headers":{"request":{"replace":{"X-Api-Key":[{"search":"a","replace":"b"}]}}}}""", """{"handler":"reverse_proxy","headers":{"request":{"replace":{"X-Api-Key":[{"search":"a","replace":"c"}]}}}}""", "critical")]
    [InlineData("""{"handler":"reverse_proxy","headers":{"request":{"set":{"X-Team":["a"]}}}}""", """{"handler":"reverse_proxy","headers":{"request":{"set":{"X-Team":["b"]}}}}""", "high")]
    [InlineData("""{"handler":"reverse_proxy","upstreams":[{"dial":"auth-service:1","max_requests":1}]}""", """{"handler":"reverse_proxy","upstreams":[{"dial":"auth-service:1","max_requests":2}]}""", "high")]
    public void Authentication_and_auth_headers_are_critical(string desired, string live, string severity)
    {
        var drift = Assert.Single(CaddyComparer.Compare(Proxy, Json($$"""{"handle":[{{desired}}]}"""), Json($$"""{"handle":[{{live}}]}""")));

        Assert.Equal(severity, drift.Severity.ToText());
    }

    [Fact]
    public void A_route_whose_reverse_proxy_sets_an_auth_header_is_an_auth_route()
    {
        const string Route = """{"@id":"api","handle":[{"handler":"reverse_proxy","headers":{"request":{"set":{"Authorization":["Bearer t"]}}},"upstreams":[{"dial":"a:1"}]}]}""";

        Assert.Equal(["/routes[@id=api] Missing critical"], Compare($$"""{"routes":[{{Route}},{{CatchAll}}]}""", $$"""{"routes":[{{CatchAll}}]}"""));
        Assert.Equal(
            ["/routes Modified critical"],
            Compare($$"""{"routes":[{{Route}},{{CatchAll}}]}""", $$"""{"routes":[{{CatchAll}},{{Route}}]}"""));
    }

    [Fact]
    public void A_part_added_or_missing_whole_is_as_severe_as_what_it_holds()
    {
        const string Server = """{"listen":[":443"],"routes":[{"handle":[{"handler":"static_response","body":"ok"}]}]}""";

        // The route list emptied takes the auth route with it.
        Assert.Equal(["/routes Missing critical"], Compare($$"""{"routes":[{{AuthRoute}},{{CatchAll}}]}""", """{"routes":[]}"""));
        Assert.Equal(["/routes Missing high"], Compare($$"""{"routes":[{{CatchAll}}]}""", """{"routes":[]}"""));
        Assert.Equal(["/servers/b Added high"], Compare($$"""{"servers":{"a":{{Server}} } }""", $$"""{"servers":{"a":{{Server}},"b":{{Server}} } }"""));
        Assert.Equal(
            ["/servers/b Added critical"],
            Compare($$"""{"servers":{"a":{{Server}} } }""", $$"""{"servers":{"a":{{Server}},"b":{"listen":[":80"],"automatic_https":{"disable":true} } } }"""));
        Assert.Equal(["/servers/b Added medium"], Compare("""{"servers":{"a":{"listen":[":1"]}}}""", """{"servers":{"a":{"listen":[":1"]},"b":{"listen":[":80"],"automatic_https":{}}}}"""));
    }

    [Fact]
    public void Tls_is_critical_numbers_compare_by_value_and_live_only_fields_count()
    {
        var drifts = Compare(
            """{"apps":{"tls":{"automation":{"policies":[{"issuers":[{"module":"acme"}]}]}},"http":{"grace_period":10}}}""",
            """{"apps":{"tls":{"automation":{"policies":[{"issuers":[{"module":"internal"}]}]}},"http":{"grace_period":10.0,"idle_timeout":5}}}""");

        Assert.Equal(["/apps/http/idle_timeout Added medium", "/apps/tls/automation/policies[0]/issuers[0]/module Modified critical"], drifts);
    }

    private static Node Json(string text) => Assert.Single(JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(text)));

    private static string[] Compare(string desired, string live) =>
        [.. CaddyComparer.Compare(Proxy, Json(desired), Json(live)).Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()}")];
}
