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
    private static readonly ResourceKey Sidecar = new("envoy", "Proxy", ResourceKey.ClusterScope, "reviews-v3");

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
        const string Desired = """{"configs":[{"dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"vh","routes":[{"name":"a","match":{"prefix":"/a"}},{"name":"b","match":{"prefix":"/"}}]}]}}]}]}""";
        const string Live = """{"configs":[{"dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"vh","routes":[{"name":"b","match":{"prefix":"/"}},{"name":"a","match":{"prefix":"/a","case_sensitive":false}}]}]}}]}]}""";

        Assert.Equal(["/routes/r/virtual_hosts[name=vh]/routes Modified high"], Compare(Desired, Live));
    }

    [Fact]
    public void Bookkeeping_and_proto3_defaults_are_not_drift()
    {
        const string Desired = """{"configs":[{"dynamic_active_clusters":[{"version_info":"1","last_updated":"2026-01-01T00:00:00Z","cluster":{"name":"c","connect_timeout":"10s","per_connection_buffer_limit_bytes":0,"common_lb_config":{}}}]}]}""";
        const string Live = """{"configs":[{"dynamic_active_clusters":[{"version_info":"2","last_updated":"2026-11-01T00:00:00Z","cluster":{"name":"c","connect_timeout":"10s","ignore_health_on_host_removal":false}}]}]}""";

        Assert.Empty(Compare(Desired, Live));
        Assert.Equal(["/clusters/c/connect_timeout Modified high"], Compare(Desired, Live.Replace("\"10s\"", "\"1s\"", StringComparison.Ordinal)));
    }

    private static string Dump(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "envoy", file));

    private static Node Json(string text) => Assert.Single(JsonReader.ReadValues(Encoding.UTF8.GetBytes(text)));

    private static IReadOnlyList<Drift> Drifts(string desired, string live) => EnvoyComparer.Compare(Sidecar, Json(desired), Json(live));

    private static string[] Compare(string desired, string live) =>
        [.. EnvoyComparer.Compare(Sidecar, Json(desired), Json(live)).Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()}")];
}
