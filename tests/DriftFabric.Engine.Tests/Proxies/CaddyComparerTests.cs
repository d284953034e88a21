using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Tests.Proxies;

/// <summary>The Caddy config rules: route addressing and order, upstream sets, severities, both-ways counting.</summary>
public class CaddyComparerTests
{
    private static readonly ResourceKey Proxy = new("caddy", "Proxy", ResourceKey.ClusterScope, "edge");

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
    public void Authentication_and_auth_headers_are_critical(string desired, string live, string severity)
    {
        var drift = Assert.Single(CaddyComparer.Compare(Proxy, Json($$"""{"handle":[{{desired}}]}"""), Json($$"""{"handle":[{{live}}]}""")));

        Assert.Equal(severity, drift.Severity.ToText());
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
