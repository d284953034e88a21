using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Tests.Proxies;

/// <summary>HAProxy backends as haproxy.cfg declares them and as the runtime API reports them.</summary>
public class HaproxyComparerTests
{
    private const string State = """
        1
        # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
        3 web 1 web1 127.0.0.1 2 0 1 1 1 1 0 2 0 0 0 0 - 9001 - 0 0 - - 0
        3 web 2 web2 127.0.0.1 0 8 20 20 1 1 0 0 8 0 0 0 - 9002 - 0 0 - - 0
        4 api 1 extra 10.0.0.9 0 5 1 1 1 1 0 0 8 0 0 0 - 80 - 0 0 - - 0
        """;

    [Fact]
    public void The_config_declares_servers_with_weights_and_admin_states()
    {
        var errors = new List<ManifestError>();
        var declared = HaproxyComparer.ParseConfig("""
            global
              daemon
            backend web   # the shop
              server web1 127.0.0.1:9001
              server web2 127.0.0.1:9002 weight 20 check
            listen api
              bind :80
              server a1 10.0.0.1:80 disabled
              server broken
            frontend fe
              server nope 1.2.3.4:1
            """, "haproxy.cfg", errors);

        Assert.Equal(
            ["web/web1 127.0.0.1:9001 1 ready 4", "web/web2 127.0.0.1:9002 20 ready 5", "api/a1 10.0.0.1:80 1 maint 8"],
            declared.Servers.Select(s => $"{s.Backend}/{s.Name} {s.Address}:{s.Port} {s.Weight} {s.State} {s.Line}"));
        Assert.Equal([new HaproxyBackend("web", 3), new HaproxyBackend("api", 6)], declared.Backends);
        Assert.True(declared.Complete);
        var error = Assert.Single(errors);
        Assert.Equal((9, "backend api: 'server' needs a name and an address:port"), (error.Line, error.Message));
    }

    [Fact]
    public void Drain_maintenance_weights_and_servers_the_config_lacks_are_drift_by_the_runtime_api()
    {
        var errors = new List<ManifestError>();
        var desired = HaproxyComparer.ParseConfig("backend web\n  server web1 127.0.0.1:9001\n  server web2 127.0.0.1:9002 weight 10\n  server web3 127.0.0.1:9003\n", "haproxy.cfg", errors);
        var live = HaproxyComparer.ParseRuntime(State, "admin.sock", errors)!;

        var drifts = HaproxyComparer.Compare(Edge, desired, live);

        Assert.Empty(errors);
        Assert.Null(live.Backends);
        Assert.Equal(
            [
                "/backends/api Added high -",
                "/backends/web/servers/web2/state Modified high haproxy-runtime-api",
                "/backends/web/servers/web2/weight Modified medium haproxy-runtime-api",
                "/backends/web/servers/web3 Missing high -",
            ],
            drifts.Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()} {d.Manager ?? "-"}"));
        Assert.Equal("\"drain\"", drifts[1].Live!.ToJson());
    }

    [Fact]
    public void Default_server_lines_and_server_templates_declare_servers_as_haproxy_reads_them()
    {
        var errors = new List<ManifestError>();
        var declared = HaproxyComparer.ParseConfig("""
            defaults
              mode http
              default-server weight 5
            backend web
              server a 10.0.0.1:80
              default-server weight 7 disabled
              server b 10.0.0.2:80
              server c 10.0.0.3:80 weight 9 enabled
              server-template tpl 2 app.internal:8080
            backend api
              server-template x 3-4 10.0.1.1:80 weight 2
            defaults other
            backend plain
              server p 10.0.2.1:80
            """, "haproxy.cfg", errors);

        Assert.Empty(errors);
        Assert.Equal(
            ["web/a 10.0.0.1:80 5 ready", "web/b 10.0.0.2:80 7 maint", "web/c 10.0.0.3:80 9 ready", "web/tpl1 app.internal:8080 7 maint", "web/tpl2 app.internal:8080 7 maint",
             "api/x3 10.0.1.1:80 2 ready", "api/x4 10.0.1.1:80 2 ready", "plain/p 10.0.2.1:80 1 ready"],
            declared.Servers.Select(s => $"{s.Backend}/{s.Name} {s.Address}:{s.Port} {s.Weight} {s.State}"));
    }

    [Theory]
    [InlineData("global\n  daemon\n", "haproxy.cfg", "declares no 'backend' or 'listen' section")]
    [InlineData("{\"apps\":{\"http\":{}}}", "haproxy.cfg", "declares no 'backend' or 'listen' section")]
    [InlineData("backend web\n  server-template t many 10.0.0.1:80\n", "haproxy.cfg", "backend web: server-template t: 'many' is not a count or a range")]
    [InlineData("backends: {}\n", "haproxy.yaml", "declares no backend")]
    public void A_declared_file_without_backends_or_with_a_broken_template_is_an_error(string text, string source, string message)
    {
        var errors = new List<ManifestError>();

        HaproxyComparer.ParseDeclared(text, source, errors);

        Assert.StartsWith(message, Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_disabled_in_the_config_and_enabled_by_hand_is_drift_and_a_host_name_compares_as_declared()
    {
        var errors = new List<ManifestError>();
        var desired = HaproxyComparer.ParseConfig("backend web\n  server spare 127.0.0.1:9003 disabled\n  server h localhost:9005\n", "haproxy.cfg", errors);
        var live = HaproxyComparer.ParseRuntime("""
            1
            # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
            3 web 2 spare 127.0.0.1 2 4 1 1 1 1 0 0 8 0 0 0 - 9003 - 0 0 - - 0
            3 web 3 h 127.0.0.1 2 0 1 1 1 1 0 2 0 0 0 0 localhost 9005 - 0 0 - - 0
            """, "admin.sock", errors)!;

        var drifts = HaproxyComparer.Compare(Edge, desired, live);

        Assert.Empty(errors);
        Assert.Equal(["/backends/web/servers/spare/state Modified maint ready"], drifts.Select(d => $"{d.Path} {d.Kind} {d.Desired!.ToJson().Trim('"')} {d.Live!.ToJson().Trim('"')}"));
    }

    private static readonly ResourceKey Edge = ProxyComparison.Resource(ProxyKind.Haproxy, "edge");

    [Fact]
    public void Backends_the_proxy_lacks_or_runs_beyond_the_code_are_one_drift_each_from_show_backend()
    {
        var errors = new List<ManifestError>();
        var desired = HaproxyComparer.ParseConfig("backend web\n  server web1 127.0.0.1:9001\n  server web2 127.0.0.1:9002 weight 20\nbackend api\n  server a1 10.0.0.1:80\nlisten stats\n  bind :9000\n", "haproxy.cfg", errors);
        var live = HaproxyComparer.ParseRuntime("# name\r\nweb\r\napi2\r\nstats\r\nhealth\r\n\r\n" + State.Replace(" 8 20 20 ", " 0 20 20 ", StringComparison.Ordinal).Replace("4 api 1 extra", "4 api2 1 a1", StringComparison.Ordinal), "admin.sock", errors)!;

        var drifts = HaproxyComparer.Compare(Edge, desired, live, new SourceLocation("haproxy.cfg", 0));

        Assert.Empty(errors);
        Assert.Equal(["web", "api2", "stats", "health"], live.Backends);
        Assert.Equal(
            [
                "/backends/api Missing high - haproxy.cfg:4 {\"servers\":{\"a1\":{\"address\":\"10.0.0.1:80\",\"weight\":1,\"state\":\"ready\"}}} -",
                "/backends/api2 Added high - - - {\"servers\":{\"a1\":{\"address\":\"10.0.0.9:80\",\"weight\":1,\"state\":\"maint\"}}}",
                "/backends/health Added high - - - {\"servers\":{}}",
            ],
            drifts.Select(d => $"{d.Path} {d.Kind} {d.Severity.ToText()} {d.Manager ?? "-"} {d.Source?.ToString() ?? "-"} {d.Desired?.ToJson() ?? "-"} {d.Live?.ToJson() ?? "-"}"));
    }

    [Fact]
    public void A_yaml_section_leaves_backends_it_does_not_declare_alone_unless_they_have_servers()
    {
        var errors = new List<ManifestError>();
        var desired = HaproxyComparer.ParseDeclared("backends:\n  web:\n    servers:\n      web1: { address: 127.0.0.1:9001 }\n      web2: { address: 127.0.0.1:9002, weight: 20 }\n", "haproxy.yaml", errors);
        var live = HaproxyComparer.ParseRuntime("# name\nweb\napi\nstats\n\n" + State.Replace(" 8 20 20 ", " 0 20 20 ", StringComparison.Ordinal), "admin.sock", errors)!;

        var drifts = HaproxyComparer.Compare(Edge, desired, live);

        Assert.Empty(errors);
        Assert.False(desired.Complete);
        Assert.Equal(["/backends/api Added"], drifts.Select(d => $"{d.Path} {d.Kind}"));
    }

    [Fact]
    public void A_backend_list_that_is_not_one_is_invalid()
    {
        var errors = new List<ManifestError>();

        Assert.Null(HaproxyComparer.ParseRuntime("# name\nUnknown command, but maybe\n\n" + State, "admin.sock", errors));
        Assert.Contains("'show backend'", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Unknown command, but maybe one of the following ones is a better match:")]
    [InlineData("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_port\n3 web 1 web1 127.0.0.1 2 x 1 1 80\n")]
    public void An_answer_that_is_not_a_server_list_is_invalid(string text)
    {
        var errors = new List<ManifestError>();

        Assert.Null(HaproxyComparer.ParseServersState(text, "admin.sock", errors));
        Assert.Contains("'show servers state'", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Servers_declared_in_a_yaml_section_read_as_the_same_servers_as_the_config()
    {
        var errors = new List<ManifestError>();
        var yaml = HaproxyComparer.ParseDeclared("""
            backends:
              web:
                servers:
                  web1: { address: 127.0.0.1:9001, weight: 10 }
                  spare: { address: 127.0.0.1:9003, state: maint }
            """, "haproxy.yaml", errors);
        var cfg = HaproxyComparer.ParseDeclared("backend web\n  server web1 127.0.0.1:9001 weight 10\n  server spare 127.0.0.1:9003 disabled\n", "haproxy.cfg", errors);

        Assert.Empty(errors);
        Assert.Equal(cfg.Servers.Select(s => s with { Line = 0 }), yaml.Servers.Select(s => s with { Line = 0 }));
        Assert.Equal([4, 5], yaml.Servers.Select(s => s.Line));
        Assert.Equal(["web"], yaml.Backends.Select(b => b.Name));
    }

    [Theory]
    [InlineData("servers: {}", 1, "expected a mapping with one field, 'backends:")]
    [InlineData("backends:\n  web:\n    hosts: {}", 3, "backends.web: expected one field, 'servers'")]
    [InlineData("backends:\n  web:\n    servers:\n      a: { weight: 1 }", 4, "backends.web.servers.a.address: is required, as HOST:PORT")]
    [InlineData("backends:\n  web:\n    servers:\n      a: { address: x:1, weight: heavy }", 4, "backends.web.servers.a.weight: must be a whole number")]
    [InlineData("backends:\n  web:\n    servers:\n      a: { address: x:1, state: down }", 4, "backends.web.servers.a.state: must be one of ready, maint, drain")]
    [InlineData("backends:\n  web:\n    servers:\n      a: { address: x:1, check: true }", 4, "backends.web.servers.a.check: unknown field")]
    public void Yaml_servers_that_do_not_read_are_errors_naming_line_and_field(string yaml, int line, string message)
    {
        var errors = new List<ManifestError>();

        HaproxyComparer.ParseDeclared(yaml, "haproxy.yml", errors);

        var error = Assert.Single(errors);
        Assert.Equal(line, error.Line);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
