using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Tests.Proxies;

/// <summary>Envoy config dumps from real Istio sidecars (tests/TestData/envoy, from istioctl's test data), and the rules on small ones.</summary>
public class EnvoyComparerTests
{
    private static readonly ResourceKey Sidecar = ProxyComparison.Resource(ProxyKind.Envoy, "reviews-v3");

    [Fact]
    public void The_drifted_sidecar_differs_by_renamed_clusters_and_routes_and_a_listener_stat_prefix()
    {
        var drifts = Compare(Dump("sidecar-expected.json"), Dump("sidecar-actual-drifted.json"));

        // use_remote_address: false and max_stream_duration: "0s" left out by the other side are proto3 defaults, not drift.
        Assert.Equal(
            [
                "/clusters/inbound-vip|9080|http|ratings.default.svc.cluster.local Missing high",
                "/clusters/inbound-vip|9999|http|ratings.default.svc.cluster.local Added high",
                "/listeners/main_internal/filter_chains[name=inbound-vip|9080||details.default.svc.cluster.local-http]/filters[name=envoy.filters.network.http_connection_manager]/typed_config/stat_prefix Modified high",
                "/routes/inbound-vip|9080|http|reviews-v3.default.svc.cluster.local Missing high",
                "/routes/inbound-vip|9999|http|reviews-v3.default.svc.cluster.local Added high",
            ],
            drifts);
    }

    [Theory]
    [InlineData("sidecar-expected.json")]
    [InlineData("sidecar-full-config-dump.json")]
    public void A_dump_against_itself_is_in_sync(string file) => Assert.Empty(Compare(Dump(file), Dump(file)));

    [Fact]
    public void A_config_the_proxy_rejected_or_never_acknowledged_is_critical()
    {
        // The dynamic listener's own entry (its first "name"), not the listener config inside it.
        var expected = Dump("sidecar-expected.json");
        var at = expected.IndexOf("\"name\": \"main_internal\",", StringComparison.Ordinal);
        var live = expected.Insert(at, "\"client_status\": \"NACKED\", \"error_state\": { \"details\": \"duplicate filter chain\" }, ");
        Assert.NotEqual(Dump("sidecar-expected.json"), live);

        var drift = Assert.Single(Drifts(Dump("sidecar-expected.json"), live));

        Assert.Equal(("/listeners/main_internal/status", DriftKind.Modified, Severity.Critical), (drift.Path, drift.Kind, drift.Severity));
        Assert.Equal("\"NACKED: duplicate filter chain\"", drift.Live!.ToJson());
    }

    [Fact]
    public void Routes_are_matched_by_name_and_their_order_is_meaning()
    {
        const string Desired = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"vh","routes":[{"name":"a","match":{"prefix":"/a"}},{"name":"b","match":{"prefix":"/"}}]}]}}]}]}""";
        const string Live = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"vh","routes":[{"name":"b","match":{"prefix":"/"}},{"name":"a","match":{"prefix":"/a","case_sensitive":false}}]}]}}]}]}""";

        Assert.Equal(["/routes/r/virtual_hosts[name=vh]/routes Modified high"], Compare(Desired, Live));
    }

    [Fact]
    public void Bookkeeping_and_proto3_defaults_are_not_drift()
    {
        const string Desired = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"version_info":"1","last_updated":"2026-01-01T00:00:00Z","cluster":{"name":"c","connect_timeout":"10s","per_connection_buffer_limit_bytes":0,"common_lb_config":{}}}]}]}""";
        const string Live = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"version_info":"2","last_updated":"2026-11-01T00:00:00Z","cluster":{"name":"c","connect_timeout":"10s","ignore_health_on_host_removal":false}}]}]}""";

        Assert.Empty(Compare(Desired, Live));
        Assert.Equal(["/clusters/c/connect_timeout Modified high"], Compare(Desired, Live.Replace("\"10s\"", "\"1s\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_object_whose_members_are_all_defaults_equals_an_absent_one()
    {
        const string Desired = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","common_lb_config":{"healthy_panic_threshold":{"value":0},"zone_aware_lb_config":{"fail_traffic_on_panic":false}},"circuit_breakers":{"thresholds":[]}}}]}]}""";
        const string Live = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c"}}]}]}""";

        Assert.Empty(Compare(Desired, Live));
        Assert.Equal(["/clusters/c/common_lb_config/healthy_panic_threshold/value Added high"], Compare(Desired, Desired.Replace("{\"value\":0}", "{\"value\":50}", StringComparison.Ordinal)));
        Assert.Equal(["/clusters/c/common_lb_config Added high"], Compare(Live, Desired.Replace("{\"value\":0}", "{\"value\":50}", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("\"minimum_ring_size\":\"0\"", "\"minimum_ring_size\":\"1024\"")]
    [InlineData("\"idle_timeout\":\"0.000s\"", "\"idle_timeout\":\"0.500s\"")]
    [InlineData("\"idle_timeout\":\"0s\"", "\"idle_timeout\":\"1s\"")]
    public void A_quoted_zero_integer_and_a_zero_duration_are_defaults(string zero, string nonZero)
    {
        const string Cluster = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","connect_timeout":"10s"FIELD}}]}]}""";
        var absent = Cluster.Replace("FIELD", string.Empty, StringComparison.Ordinal);

        Assert.Empty(Compare(Cluster.Replace("FIELD", "," + zero, StringComparison.Ordinal), absent));
        Assert.Single(Compare(Cluster.Replace("FIELD", "," + nonZero, StringComparison.Ordinal), absent));
    }

    [Fact]
    public void The_zero_value_of_an_enum_equals_an_absent_field_where_the_field_holds_that_enum()
    {
        const string Desired = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","type":"STATIC","lb_policy":"ROUND_ROBIN","dns_lookup_family":"AUTO","health_checks":[{"timeout":"1s","http_health_check":{"path":"/healthz","method":"METHOD_UNSPECIFIED"}}]}}]},{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"l","active_state":{"listener":{"name":"l","traffic_direction":"UNSPECIFIED","filter_chains":[{"filters":[{"name":"hcm","typed_config":{"codec_type":"AUTO","forward_client_cert_details":"SANITIZE"}}]}]}}}]},{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"vh","require_tls":"NONE","routes":[{"name":"a","match":{"prefix":"/","headers":[{"name":"x","string_match":{"exact":"1"}}]},"route":{"cluster":"c","priority":"DEFAULT"}}]}]}}]}]}""";
        var live = Desired;
        foreach (var zero in (string[])[",\"type\":\"STATIC\"", ",\"lb_policy\":\"ROUND_ROBIN\"", ",\"dns_lookup_family\":\"AUTO\"", ",\"traffic_direction\":\"UNSPECIFIED\"", ",\"forward_client_cert_details\":\"SANITIZE\"", "\"codec_type\":\"AUTO\"", ",\"require_tls\":\"NONE\"", ",\"priority\":\"DEFAULT\"", ",\"method\":\"METHOD_UNSPECIFIED\""])
        {
            Assert.Contains(zero, live, StringComparison.Ordinal);
            live = live.Replace(zero, string.Empty, StringComparison.Ordinal);
        }

        Assert.Empty(Compare(Desired, live));

        // Another value of the enum, a zero name in a field of another enum, and a string that is no enum are drift.
        Assert.Equal(["/clusters/c/lb_policy Missing high"], Compare(Desired.Replace("ROUND_ROBIN", "LEAST_REQUEST", StringComparison.Ordinal), live));
        Assert.Equal(["/clusters/c/dns_lookup_family Missing high"], Compare(Desired.Replace("\"dns_lookup_family\":\"AUTO\"", "\"dns_lookup_family\":\"STATIC\"", StringComparison.Ordinal), live));
        Assert.Equal(["/clusters/c/alt_stat_name Missing high"], Compare(Desired.Replace("\"type\":", "\"alt_stat_name\":", StringComparison.Ordinal), live));
    }

    [Fact]
    public void A_list_element_counts_even_when_its_fields_are_all_defaults()
    {
        const string Live = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","health_checks":[{"timeout":"1s"}]}}]}]}""";
        var desired = Live.Replace("""[{"timeout":"1s"}]""", """[{"timeout":"1s"},{"timeout":"0s"}]""", StringComparison.Ordinal);

        Assert.Equal(["/clusters/c/health_checks[1] Missing high"], Compare(desired, Live));
        Assert.Equal(["/clusters/c/health_checks[1] Added high"], Compare(Live, desired));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"stats":[]}""")]
    [InlineData("""{"apps":{"http":{"servers":{"srv0":{"listen":[":443"],"routes":[]}}}}}""")]
    [InlineData("""{"configs":{}}""")]
    [InlineData("""{"configs":[{"name":"c"}]}""")]
    [InlineData("""{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump"},{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c"}]}""")]
    public void A_json_object_that_is_no_config_dump_is_invalid_naming_its_source(string notADump)
    {
        var dump = Encoding.UTF8.GetBytes(Dump("sidecar-expected.json"));
        var garbage = Encoding.UTF8.GetBytes(notADump);

        var live = Assert.Throws<ProxyReadException>(() => ProxyComparison.Compare(ProxyKind.Envoy, Sidecar, dump, "expected.json", garbage, "http://127.0.0.1:15000/config_dump"));
        var desired = Assert.Throws<ProxyReadException>(() => ProxyComparison.Compare(ProxyKind.Envoy, Sidecar, garbage, "expected.json", dump, "http://127.0.0.1:15000/config_dump"));

        Assert.Equal((ProxyProblem.Invalid, "http://127.0.0.1:15000/config_dump"), (live.Problem, live.Origin));
        Assert.StartsWith("http://127.0.0.1:15000/config_dump: invalid: not an Envoy config dump", live.Message, StringComparison.Ordinal);
        Assert.Equal((ProxyProblem.Invalid, "expected.json"), (desired.Problem, desired.Origin));
        Assert.StartsWith("expected.json: invalid: not an Envoy config dump", desired.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"configs":[]}""")]
    [InlineData("""{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{}},{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump"},{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump"}]}""")]
    public void A_well_formed_dump_without_resources_is_a_proxy_without_config_and_everything_expected_is_missing(string empty)
    {
        var drifts = Drifts(Dump("sidecar-expected.json"), empty);

        Assert.NotEmpty(drifts);
        Assert.All(drifts, d => Assert.Equal((DriftKind.Missing, 2), (d.Kind, d.Path.Count(c => c == '/'))));
        Assert.Equal(drifts.Count, Drifts(empty, Dump("sidecar-expected.json")).Count(d => d.Kind == DriftKind.Added));
    }

    [Fact]
    public void A_cluster_or_listener_only_warming_is_present_judged_by_the_config_it_warms_and_not_reported_as_unacknowledged()
    {
        const string Desired = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","type":"EDS","connect_timeout":"10s"}}]},{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"l","active_state":{"listener":{"name":"l","stat_prefix":"in"}}}]}]}""";
        var live = Desired
            .Replace("\"dynamic_active_clusters\"", "\"dynamic_warming_clusters\"", StringComparison.Ordinal)
            .Replace("\"active_state\"", "\"warming_state\"", StringComparison.Ordinal);
        Assert.NotEqual(Desired, live);

        // Warming is how Envoy takes every new cluster and listener: reporting it would open and resolve a drift on most pushes.
        Assert.Empty(Compare(Desired, live));
        Assert.Equal(["/clusters/c/connect_timeout Modified high"], Compare(Desired, live.Replace("\"10s\"", "\"1s\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_cluster_both_active_and_warming_is_judged_by_its_active_version()
    {
        // An update on its way: the active version serves traffic, the warming one waits for its endpoints.
        const string BothStates = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","connect_timeout":"10s"}}],"dynamic_warming_clusters":[{"cluster":{"name":"c","connect_timeout":"1s"}}]}]}""";
        const string Active = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","connect_timeout":"10s"}}]}]}""";

        Assert.Empty(Compare(BothStates, Active));
        Assert.Empty(Compare(Active, BothStates));
        Assert.Equal(["/clusters/c/connect_timeout Modified high"], Compare(BothStates, Active.Replace("\"10s\"", "\"2s\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_listener_only_draining_is_gone()
    {
        // Removed by the control plane, closing the connections it has: it takes no new ones.
        const string Draining = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"l","draining_state":{"listener":{"name":"l","stat_prefix":"in"}}}]}]}""";
        const string None = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump"}]}""";

        Assert.Empty(Compare(None, Draining));
        Assert.Equal(["/listeners/l Missing high"], Compare(Draining.Replace("draining_state", "active_state", StringComparison.Ordinal), Draining));
    }

    private static string Dump(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "envoy", file));

    private static Node Json(string text) => Assert.Single(JsonReader.ReadValues(Encoding.UTF8.GetBytes(text)));

    private static IReadOnlyList<Drift> Drifts(string desired, string live) => EnvoyComparer.Compare(Sidecar, Json(desired), "expected.json", Json(live), "config_dump.json");

    private static string[] Compare(string desired, string live) =>
        [.. Drifts(desired, live).Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()}")];
}
