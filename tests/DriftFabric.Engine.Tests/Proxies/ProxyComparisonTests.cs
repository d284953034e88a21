using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Tests.Proxies;

/// <summary>One proxy judged by kind: secrets sealed, configs that do not read named as invalid.</summary>
public class ProxyComparisonTests
{
    private static readonly DriftFabric.Engine.Manifests.ResourceKey Edge = ProxyComparison.Resource(ProxyKind.Caddy, "edge");

    [Fact]
    public void A_changed_basic_auth_password_hash_is_critical_drift_shown_only_as_digests()
    {
        var desired = InServer("""{"routes":[{"@id":"admin","handle":[{"handler":"authentication","providers":{"http_basic":{"accounts":[{"username":"ops","password":"JDJhJDE0JGRlc2lyZWQ="}]}}}]}]}""");
        var live = desired.Replace("JDJhJDE0JGRlc2lyZWQ=", "JDJhJDE0JGJ5aGFuZA==", StringComparison.Ordinal);

        var drift = Assert.Single(Compare(ProxyKind.Caddy, desired, live));

        Assert.Equal(($"{Srv0}/routes[@id=admin]/handle[0]/providers/http_basic/accounts[0]/password", Severity.Critical), (drift.Path, drift.Severity));
        Assert.StartsWith("\"sha256:", drift.Desired!.ToJson(), StringComparison.Ordinal);
        Assert.StartsWith("\"sha256:", drift.Live!.ToJson(), StringComparison.Ordinal);
        Assert.NotEqual(drift.Desired.ToJson(), drift.Live.ToJson());
        Assert.DoesNotContain("JDJh", drift.Desired.ToJson() + drift.Live.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_inside_a_drifted_value_are_sealed_and_the_rest_is_shown()
    {
        // A whole handler added by hand: the header it sets carries a token; its name and the rest stay readable.
        var drift = Assert.Single(Compare(
            ProxyKind.Caddy,
            InServer("""{"routes":[{"@id":"api","handle":[]}]}"""),
            InServer("""{"routes":[{"@id":"api","handle":[{"handler":"headers","request":{"set":{"Authorization":["Bearer live-token-123"],"X-Team":["shop"]}}}]}]}""")));

        var live = drift.Live!.ToJson();
        Assert.DoesNotContain("live-token-123", live, StringComparison.Ordinal);
        Assert.Contains("\"Authorization\":[\"sha256:", live, StringComparison.Ordinal);
        Assert.Contains("\"X-Team\":[\"shop\"]", live, StringComparison.Ordinal);
        Assert.Equal(Severity.Critical, drift.Severity);
    }

    [Fact]
    public void An_envoy_header_pair_keeps_its_name_and_seals_an_auth_value()
    {
        const string Desired = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","request_headers_to_add":[{"header":{"key":"x-env","value":"prod"}}]}}]}]}""";
        var live = Desired.Replace("""{"header":{"key":"x-env","value":"prod"}}""", """{"header":{"key":"x-env","value":"prod"}},{"header":{"key":"authorization","value":"Basic c2VjcmV0"}}""", StringComparison.Ordinal);

        var drifts = Compare(ProxyKind.Envoy, Desired, live);

        var text = string.Join(" ", drifts.Select(d => d.Live?.ToJson()));
        Assert.NotEmpty(drifts);
        Assert.DoesNotContain("c2VjcmV0", text, StringComparison.Ordinal);
        Assert.Contains("\"key\":\"authorization\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProxyKind.Caddy, "<html>502 Bad Gateway</html>", "live:1: invalid:")]
    [InlineData(ProxyKind.Envoy, "[1,2]", "live: invalid: a proxy config is one JSON object")]
    [InlineData(ProxyKind.Haproxy, "Unknown command.", "live: invalid: not the runtime API's 'show servers state'")]
    public void A_live_answer_that_is_no_config_of_its_kind_is_invalid_naming_the_source(ProxyKind kind, string live, string message)
    {
        var desired = kind == ProxyKind.Haproxy ? "backend web\n  server a 127.0.0.1:1\n" : "{}";

        var e = Assert.Throws<ProxyReadException>(() => ProxyComparison.Compare(kind, Edge, Encoding.UTF8.GetBytes(desired), "desired", Encoding.UTF8.GetBytes(live), "live"));

        Assert.Equal(ProxyProblem.Invalid, e.Problem);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null\n")]
    [InlineData("{}")]
    public void A_caddy_with_no_config_loaded_runs_none_of_the_declared_parts(string live)
    {
        const string Desired = """{"admin":{"listen":"127.0.0.1:2019"},"apps":{"http":{"servers":{"srv0":{"routes":[{"@id":"ops","handle":[{"handler":"authentication"}]}]}}}}}""";

        Assert.Equal(["/admin Missing medium", "/apps Missing critical"], Compare(ProxyKind.Caddy, Desired, live).Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()}"));
    }

    [Fact]
    public void A_declared_caddy_config_of_null_is_invalid_naming_the_file()
    {
        var e = Assert.Throws<ProxyReadException>(() => Compare(ProxyKind.Caddy, "null", "{}"));

        Assert.Equal("desired.json: invalid: null declares no config; an empty Caddy config is {}", e.Message);
    }

    [Theory]
    [InlineData("""{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump"}]}""", "'configs'")]
    [InlineData("""{"stats":[]}""", "'stats'")]
    [InlineData("""{"apps":{},"routes":[],"handle":[]}""", "'routes', 'handle'")]
    public void A_json_object_that_is_not_a_caddy_config_is_invalid_naming_the_source(string json, string foreign)
    {
        var running = Assert.Throws<ProxyReadException>(() => Compare(ProxyKind.Caddy, "{}", json));
        var declared = Assert.Throws<ProxyReadException>(() => Compare(ProxyKind.Caddy, json, "{}"));

        Assert.Equal((ProxyProblem.Invalid, ProxyProblem.Invalid), (running.Problem, declared.Problem));
        Assert.StartsWith("http://127.0.0.1:2019/:1: invalid: not a Caddy config: its top level has " + foreign + ", where Caddy's has only admin, logging, storage and apps", running.Message, StringComparison.Ordinal);
        Assert.StartsWith("desired.json:1: invalid: not a Caddy config", declared.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"@id":"edge","admin":{"disabled":false},"logging":{"logs":{}},"storage":{"module":"file_system"},"apps":{}}""")]
    public void Every_top_level_key_of_a_caddy_config_reads(string json)
    {
        Assert.Empty(Compare(ProxyKind.Caddy, json, json));
    }

    [Fact]
    public void A_declared_config_that_does_not_read_is_invalid_naming_the_file_and_line()
    {
        var e = Assert.Throws<ProxyReadException>(() => ProxyComparison.Compare(ProxyKind.Haproxy, Edge, "backend web\n  server a nowhere\n"u8.ToArray(), "haproxy.cfg", [], "live"));

        Assert.Equal((ProxyProblem.Invalid, "haproxy.cfg", 2), (e.Problem, e.Origin, e.Line));
        Assert.StartsWith("haproxy.cfg:2: invalid:", e.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<Drift> Compare(ProxyKind kind, string desired, string live) =>
        ProxyComparison.Compare(kind, Edge, Encoding.UTF8.GetBytes(desired), "desired.json", Encoding.UTF8.GetBytes(live), "http://127.0.0.1:2019/");

    /// <summary>Where <see cref="InServer"/> puts a server's fields.</summary>
    internal const string Srv0 = "/apps/http/servers/srv0";

    /// <summary>A whole Caddy config whose one HTTP server, srv0, is <paramref name="server"/>.</summary>
    internal static string InServer(string server) => $$"""{"apps":{"http":{"servers":{"srv0":{{server}} } } } }""";
}

/// <summary>The fleet spec's ignore rules and severity overrides on proxy drifts: they apply when they select the proxy.</summary>
public class ProxyPolicyTests
{
    private const string Srv0 = ProxyComparisonTests.Srv0;

    private const string Desired = """{"routes":[{"@id":"api","handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"}]}]},{"handle":[{"handler":"static_response","body":"ok"}]}]}""";
    private const string Live = """{"routes":[{"@id":"api","handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"b:1"}]}]},{"handle":[{"handler":"static_response","body":"maintenance"}]}]}""";

    [Fact]
    public void Without_rules_every_drift_stands()
    {
        Assert.Equal(
            [$"{Srv0}/routes[1]/handle[0]/body Modified high", $"{Srv0}/routes[@id=api]/handle[0]/upstreams[dial=a:1] Missing high", $"{Srv0}/routes[@id=api]/handle[0]/upstreams[dial=b:1] Added high"],
            Compare(string.Empty));
    }

    [Fact]
    public void An_ignore_rule_that_selects_the_proxy_drops_the_drifts_at_or_below_its_path()
    {
        Assert.Equal(
            [$"{Srv0}/routes[1]/handle[0]/body Modified high"],
            Compare($"ignore:\n- kind: caddy/Proxy\n  path: {Srv0}/routes[@id=api]/handle[*]/upstreams\n"));
        Assert.Empty(Compare("ignore:\n- resource: caddy/Proxy/_/edge\n"));
        // A rule for other resources leaves the proxy alone.
        Assert.Equal(3, Compare($"ignore:\n- kind: ConfigMap\n  path: {Srv0}/routes\n").Count);
    }

    [Fact]
    public void A_severity_override_sets_the_severity_of_the_drifts_it_matches_positions_included()
    {
        Assert.Equal(
            [$"{Srv0}/routes[1]/handle[0]/body Modified low", $"{Srv0}/routes[@id=api]/handle[0]/upstreams[dial=a:1] Missing high", $"{Srv0}/routes[@id=api]/handle[0]/upstreams[dial=b:1] Added critical"],
            Compare($"severity:\n- kind: Proxy\n  path: {Srv0}/routes[1]\n  severity: low\n- kind: Proxy\n  driftKind: Added\n  severity: critical\n"));
    }

    [Theory]
    [InlineData("/routes[2]/handle[0]/body")]
    [InlineData("/routes[*]/handle[*]")]
    [InlineData("/routes[@id=api]/handle[0]/upstreams[dial=a:1]")]
    public void Paths_with_positions_read_and_write_back_the_same(string path)
    {
        var steps = DriftFabric.Engine.Paths.PathStep.Parse(path, out var error);

        Assert.Null(error);
        Assert.Equal(path, DriftFabric.Engine.Paths.PathStep.Format(steps!));
    }

    private static List<string> Compare(string policy)
    {
        var spec = DriftFabric.Engine.Policy.DriftPolicyReader.Parse("driftfabric.yaml", policy);
        Assert.Empty(spec.Errors);
        return [.. ProxyComparison.Compare(ProxyKind.Caddy, ProxyComparison.Resource(ProxyKind.Caddy, "edge"), Encoding.UTF8.GetBytes(ProxyComparisonTests.InServer(Desired)), "edge.json", Encoding.UTF8.GetBytes(ProxyComparisonTests.InServer(Live)), "live", spec.Policy)
            .Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()}")];
    }
}
