using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Tests.Proxies;

/// <summary>Secret values are sealed wherever they sit in a proxy's config, not only where a drift's path ends in a secret name.</summary>
public class ProxySecretTests
{
    private const string Dump = """{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","request_headers_to_add":[{"header":{"key":"x-env","value":"prod"}},{"header":{"key":"authorization","value":"Bearer desired-SECRET-3"}}]}}]},{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"name":"c","transport_socket":{"name":"tls","typed_config":{"common_tls_context":{"tls_certificates":[{"certificate_chain":{"filename":"/etc/certs/cert.pem"},"private_key":{"inline_string":"-----BEGIN KEY----- desired-KEY-1"}}]}}}}}]}]}""";

    [Fact]
    public void A_changed_envoy_auth_header_value_and_private_key_are_drift_shown_only_as_digests()
    {
        var live = Dump.Replace("desired-SECRET-3", "live-SECRET-4", StringComparison.Ordinal).Replace("desired-KEY-1", "live-KEY-2", StringComparison.Ordinal);

        var drifts = Compare(ProxyKind.Envoy, Dump, live);

        Assert.Equal(2, drifts.Count);
        var text = Text(drifts);
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("KEY-", text, StringComparison.Ordinal);
        Assert.All(drifts, d => Assert.StartsWith("\"sha256:", d.Live!.ToJson(), StringComparison.Ordinal));
    }

    [Fact]
    public void What_points_to_a_secret_stays_readable()
    {
        var live = Dump.Replace("/etc/certs/cert.pem", "/etc/certs/other.pem", StringComparison.Ordinal).Replace("\"prod\"", "\"staging\"", StringComparison.Ordinal);

        var drifts = Compare(ProxyKind.Envoy, Dump, live);

        Assert.Equal(["\"/etc/certs/other.pem\"", "\"staging\""], drifts.Select(d => d.Live!.ToJson()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_caddy_rule_that_replaces_an_auth_header_is_sealed_and_its_name_stays()
    {
        const string Desired = """{"apps":{"http":{"servers":{"srv0":{"routes":[{"@id":"api","handle":[{"handler":"headers","request":{"replace":{"Authorization":[{"search":"Bearer (.*)","replace":"Bearer desired-SECRET-1"}]}}}]}]}}}}}""";
        var live = Desired.Replace("desired-SECRET-1", "live-SECRET-2", StringComparison.Ordinal);

        var drift = Assert.Single(Compare(ProxyKind.Caddy, Desired, live));

        Assert.Contains("/Authorization", drift.Path, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", Text([drift]), StringComparison.Ordinal);
        Assert.Equal(Severity.Critical, drift.Severity);
    }

    [Fact]
    public void Tls_client_authentication_is_config_read_as_it_is()
    {
        const string Desired = """{"apps":{"http":{"servers":{"srv0":{"tls_connection_policies":[{"client_authentication":{"mode":"require_and_verify"}}]}}}}}""";

        var drift = Assert.Single(Compare(ProxyKind.Caddy, Desired, Desired.Replace("require_and_verify", "request", StringComparison.Ordinal)));

        Assert.Equal(("\"require_and_verify\"", "\"request\"", Severity.Critical), (drift.Desired!.ToJson(), drift.Live!.ToJson(), drift.Severity));
    }

    [Fact]
    public void A_url_with_credentials_is_never_part_of_a_read_error()
    {
        var e = new ProxyReadException(ProxyProblem.Unreachable, "http://admin:hunter2@127.0.0.1:2019/", "http://admin:hunter2@127.0.0.1:2019/config/ answered 503");

        Assert.DoesNotContain("hunter2", e.Message + e.Origin + e.Detail, StringComparison.Ordinal);
        Assert.Equal("http://***@127.0.0.1:2019/", e.Origin);
    }

    [Fact]
    public void A_config_larger_than_a_kubernetes_object_reads()
    {
        // About 6 MB: 4,000 clusters, as a sidecar of a large mesh dumps them.
        var note = new string('x', 1300);
        var clusters = string.Join(",", Enumerable.Range(0, 4000).Select(i =>
            "{\"cluster\":{\"name\":\"outbound|80||svc-" + i + ".ns.svc.cluster.local\",\"type\":\"EDS\",\"connect_timeout\":\"10s\",\"metadata\":{\"filter_metadata\":{\"istio\":{\"services\":[{\"name\":\"svc-" + i + "\",\"namespace\":\"ns\"}],\"note\":\"" + note + "\"}}}}}"));
        var dump = "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\",\"dynamic_active_clusters\":[" + clusters + "]}]}";
        Assert.True(dump.Length > 5_000_000);

        Assert.Empty(Compare(ProxyKind.Envoy, dump, dump));
    }

    [Fact]
    public void Under_an_installation_key_proxy_secrets_show_as_hmac_digests_of_their_values()
    {
        var key = "an-installation-key-of-32-bytes!"u8.ToArray();
        var live = Dump.Replace("desired-SECRET-3", "live-SECRET-4", StringComparison.Ordinal);

        var drift = Assert.Single(ProxyComparison.Compare(ProxyKind.Envoy, ProxyComparison.Resource(ProxyKind.Envoy, "edge"), Encoding.UTF8.GetBytes(Dump), "desired.json",
            Encoding.UTF8.GetBytes(live), "live", new Engine.Policy.DriftPolicy { SecretDigest = SecretDigest.Hmac(key) }));

        var expected = "hmac:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, "Bearer live-SECRET-4"u8))[..8];
        Assert.Equal($"\"{expected}\"", drift.Live!.ToJson());
        Assert.NotEqual(Assert.Single(Compare(ProxyKind.Envoy, Dump, live)).Live!.ToJson()[^9..], drift.Live.ToJson()[^9..]);
    }

    private static string Text(IEnumerable<Drift> drifts) => string.Join(" ", drifts.Select(d => $"{d.Path} {d.Desired?.ToJson()} {d.Live?.ToJson()}"));

    private static IReadOnlyList<Drift> Compare(ProxyKind kind, string desired, string live) =>
        ProxyComparison.Compare(kind, ProxyComparison.Resource(kind, "edge"), Encoding.UTF8.GetBytes(desired), "desired.json", Encoding.UTF8.GetBytes(live), "live");
}
