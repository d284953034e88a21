using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Policy;
using DriftFabric.Engine.Proxies;
using DriftFabric.Sources.Fleet;

namespace DriftFabric.Cli.Tests.Fleet;

/// <summary>
/// The fleet spec's topology (tenants, clusters, proxies, webhooks, event log retention) as the
/// sources read it for the CLI and the grains; its policy sections are the engine's
/// (Engine.Tests: DriftPolicyReaderTests) and reach the fleet spec through the same reader.
/// </summary>
public class FleetSpecReaderTests
{
    [Theory]
    [InlineData("kind: Cluster\n", 1, "kind: must be 'Fleet'")]
    [InlineData("apiVersion: v1\n", 1, "apiVersion: must be 'driftfabric.io/v1alpha1', not 'v1'")]
    [InlineData("tenats: []\n", 1, "tenats: unknown field (expected one of: apiVersion, kind, defaultNamespace, serviceLabels, managers, ignore, severity, remediation, tenants, events, notifications)")]
    [InlineData("- a\n", 1, "a fleet spec is a mapping")]
    [InlineData("ignore: [\n", 1, "")]
    [InlineData("ignore:\n- path: spec/replicas\n", 2, "ignore[0].path: 'spec/replicas' is not a drift path")]
    public void Invalid_specs_name_file_line_and_field(string yaml, int line, string message)
    {
        var spec = FleetSpecReader.Parse("fleet/driftfabric.yaml", yaml);

        var error = Assert.Single(spec.Errors);
        Assert.Equal("fleet/driftfabric.yaml", error.Source);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_come_in_the_order_the_spec_is_read_top_level_then_policy_then_topology()
    {
        var spec = FleetSpecReader.Parse("driftfabric.yaml", "kind: Cluster\nignore:\n- pth: /x\ntenants:\n- name: Acme\n  clusters: []\nextra: 1\n");

        Assert.Equal([7, 1, 3, 5], spec.Errors.Select(e => e.Line));
        Assert.Equal(["extra", "kind", "ignore[0].pth", "tenants[0].name"], spec.Errors.Select(e => e.Message[..e.Message.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void The_example_fleet_spec_in_deploy_is_valid()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", "driftfabric.yaml");

        var spec = FleetSpecReader.Load(path);

        Assert.Empty(spec.Errors);
        Assert.Equal(4, spec.Policy.Ignore.Count);
        Assert.Equal(2, spec.Policy.SeverityOverrides.Count);
        Assert.Equal(["acme", "globex"], spec.Tenants.Select(t => t.Name));
        Assert.Equal(3, spec.Tenants.Sum(t => t.Clusters.Count));
        Assert.All(spec.Tenants.SelectMany(t => t.Clusters), c => Assert.True(Directory.Exists(c.DesiredPath) && File.Exists(c.LivePath)));
    }

    private const string Topology = """
        tenants:
        - name: acme
          clusters:
          - name: prod
            desired: repo/prod
            live: { snapshot: live.json }
            pollInterval: 500ms
            serviceLabels: [team]
          - name: dev
            desired: repo/prod
            live: { snapshot: live.json }
            defaultNamespace: dev
        """;

    [Fact]
    public void Tenants_and_clusters_resolve_paths_against_the_spec_folder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Root, "repo", "prod"));
        dir.Write("live.json", "{}");

        var spec = FleetSpecReader.Parse("driftfabric.yaml", "defaultNamespace: shop\n" + Topology, dir.Root);

        Assert.Empty(spec.Errors);
        var tenant = Assert.Single(spec.Tenants);
        Assert.Equal(["prod", "dev"], tenant.Clusters.Select(c => c.Name));
        var prod = tenant.Clusters[0];
        Assert.Equal(Path.Combine(dir.Root, "repo", "prod"), prod.DesiredPath);
        Assert.Equal(Path.Combine(dir.Root, "live.json"), prod.LivePath);
        Assert.Equal(TimeSpan.FromMilliseconds(500), prod.PollInterval);
        Assert.Equal(["team"], prod.ServiceLabels);
        Assert.Equal("shop", prod.DefaultNamespace);
        Assert.Equal("dev", tenant.Clusters[1].DefaultNamespace);
        Assert.Equal(["app.kubernetes.io/name", "app"], tenant.Clusters[1].ServiceLabels);
    }

    [Theory]
    [InlineData("tenants:\n- name: Acme\n  clusters: []\n", 2, "tenants[0].name: 'Acme' must be lowercase")]
    [InlineData("tenants:\n- name: acme\n", 2, "tenants[0].clusters: a tenant needs at least one cluster")]
    [InlineData("tenants:\n- name: acme\n  clusters:\n  - name: prod\n    live: { snapshot: x }\n", 4, "tenants[0].clusters[0].desired: is required")]
    [InlineData("tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n", 4, "tenants[0].clusters[0].live: is required")]
    [InlineData("tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s, watch: true }\n", 6, "tenants[0].clusters[0].live.watch: unknown field")]
    [InlineData("tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n    pollInterval: often\n", 7, "tenants[0].clusters[0].pollInterval: 'often' is not a duration")]
    [InlineData("tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n", 7, "tenants[0].clusters: cluster 'prod' is declared twice")]
    public void Invalid_topology_names_file_line_and_field(string yaml, int line, string message)
    {
        var spec = FleetSpecReader.Parse("driftfabric.yaml", yaml);

        var error = Assert.Single(spec.Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_paths_that_do_not_exist_are_errors_naming_the_field()
    {
        using var dir = new TempDirectory();

        var spec = FleetSpecReader.Parse("driftfabric.yaml", Topology, dir.Root);

        Assert.Contains(spec.Errors, e => e.Line == 5 && e.Message.StartsWith("tenants[0].clusters[0].desired: 'repo/prod' does not exist", StringComparison.Ordinal));
        Assert.Contains(spec.Errors, e => e.Line == 6 && e.Message.StartsWith("tenants[0].clusters[0].live.snapshot: 'live.json' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Event_log_retention_comes_from_the_spec_and_a_tenant_can_override_it()
    {
        var yaml = "events: { maxLength: 5000, maxAge: 12h }\n"
            + "tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n"
            + "- name: globex\n  events: { maxAge: 30d }\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n";

        var spec = FleetSpecReader.Parse("driftfabric.yaml", yaml);

        Assert.Empty(spec.Errors);
        Assert.Equal(new EventLogSpec(5000, TimeSpan.FromHours(12)), spec.Tenants[0].Events);
        Assert.Equal(new EventLogSpec(5000, TimeSpan.FromDays(30)), spec.Tenants[1].Events);
        Assert.Equal(EventLogSpec.Default, FleetSpecReader.Parse("driftfabric.yaml", Topology).Tenants[0].Events);
    }

    [Theory]
    [InlineData("events: { maxAge: forever }\n", 1, "events.maxAge: 'forever' is not a positive duration")]
    [InlineData("events: { maxLength: 0 }\n", 1, "events.maxLength: must be a whole number from 1 to 100000000")]
    [InlineData("events: { keep: 10 }\n", 1, "events.keep: unknown field")]
    [InlineData("events: 100\n", 1, "events: must be a mapping")]
    public void Invalid_event_retention_names_line_and_field(string yaml, int line, string message)
    {
        var spec = FleetSpecReader.Parse("driftfabric.yaml", yaml);

        var error = Assert.Single(spec.Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Webhooks_are_read_with_their_filters_and_left_out_of_the_policy()
    {
        const string Hooks = """
            notifications:
            - name: oncall
              url: https://hooks.example.com/drift
              secretEnv: ONCALL_KEY
              tenants: [acme]
              minSeverity: high
              kinds: [Modified, Unmanaged]
              events: [opened, changed]
              skippedReview: true
            - name: chat
              url: http://chat.internal/hook
              format: slack
              secretEnv: CHAT_KEY
            """;

        var spec = FleetSpecReader.Parse("driftfabric.yaml", Topology + "\n" + Hooks);

        Assert.DoesNotContain(spec.Errors, e => e.Message.Contains("notifications", StringComparison.Ordinal));
        var oncall = spec.Notifications[0];
        Assert.Equal(("oncall", "https://hooks.example.com/drift", "json", "ONCALL_KEY"), (oncall.Name, oncall.Url.ToString(), oncall.Format, oncall.SecretEnv));
        Assert.Equal(["acme"], oncall.Tenants);
        Assert.Equal((Severity.High, true), (oncall.MinSeverity, oncall.SkippedReview));
        Assert.Equal([DriftKind.Modified, DriftKind.Unmanaged], oncall.Kinds);
        Assert.Equal(["opened", "changed"], oncall.Events);
        var chat = spec.Notifications[1];
        Assert.Equal(("slack", Severity.Low, false), (chat.Format, chat.MinSeverity, chat.SkippedReview));
        Assert.Empty(chat.Tenants);
        Assert.DoesNotContain("ONCALL_KEY", DriftPolicyReader.PolicyText(Topology + "\n" + Hooks), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- name: a\n  url: ftp://x/y\n  secretEnv: K\n", 2, "notifications[0].url: 'ftp://x/y' is not an http:// or https:// URL")]
    [InlineData("- name: a\n  secretEnv: K\n", 1, "notifications[0].url: is required")]
    [InlineData("- name: a\n  url: https://x/y\n", 1, "notifications[0].secretEnv: is required")]
    [InlineData("- name: a\n  url: https://x/y\n  secretEnv: K\n  format: teams\n", 4, "notifications[0].format: 'teams' is not json or slack")]
    [InlineData("- name: a\n  url: https://x/y\n  secretEnv: K\n  minSeverity: urgent\n", 4, "notifications[0].minSeverity: 'urgent' is not one of")]
    [InlineData("- name: a\n  url: https://x/y\n  secretEnv: K\n  events: [closed]\n", 4, "notifications[0].events: 'closed' is not one of opened, changed, resolved")]
    [InlineData("- name: a\n  url: https://x/y\n  secretEnv: K\n  tenants: [nobody]\n", 1, "webhook 'a' names tenant 'nobody', which the spec does not declare")]
    [InlineData("- name: a\n  url: https://x/y\n  secretEnv: K\n  secret: hunter2\n", 4, "notifications[0].secret: unknown field")]
    public void Invalid_webhooks_name_file_line_and_field(string hooks, int line, string message)
    {
        var spec = FleetSpecReader.Parse("driftfabric.yaml", "notifications:\n" + hooks.Replace("\\n", "\n", StringComparison.Ordinal));

        var error = Assert.Single(spec.Errors);
        Assert.Equal(line + 1, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Empty(spec.Notifications);
    }

    private const string Proxies = """
        tenants:
        - name: acme
          clusters:
          - name: prod
            desired: repo
            live: { snapshot: live.json }
            defaultNamespace: shop
            proxies:
            - name: edge
              kind: caddy
              admin: http://127.0.0.1:2019
              desired: repo/caddy.json
              services: [web, billing/invoices]
            - name: lb
              kind: haproxy
              admin: unix:run/admin.sock
              desired: repo/haproxy.cfg
              pollInterval: 250ms
              timeout: 2s
              services: [web]
            - name: sidecar
              kind: envoy
              admin: dumps/config_dump.json
              desired: repo/expected.json
              services: [shop/web]
        """;

    [Fact]
    public void Proxies_are_declared_per_cluster_with_kind_admin_desired_config_poll_interval_and_services()
    {
        using var dir = new TempDirectory();
        dir.Write("repo/caddy.json", "{}");
        dir.Write("repo/haproxy.cfg", string.Empty);
        dir.Write("repo/expected.json", "{}");
        dir.Write("dumps/config_dump.json", "{}");
        dir.Write("live.json", "{}");

        var spec = FleetSpecReader.Parse("driftfabric.yaml", Proxies, dir.Root);

        Assert.Empty(spec.Errors);
        var proxies = spec.Tenants[0].Clusters[0].Proxies;
        Assert.Equal(["edge", "lb", "sidecar"], proxies.Select(p => p.Name));
        var edge = proxies[0];
        Assert.Equal((ProxyKind.Caddy, "http://127.0.0.1:2019", Path.Combine(dir.Root, "repo", "caddy.json")), (edge.Kind, edge.Admin, edge.DesiredPath));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)), (edge.PollInterval, edge.Timeout));
        Assert.Equal([("shop", "web"), ("billing", "invoices")], edge.Services);
        var lb = proxies[1];
        Assert.Equal((ProxyKind.Haproxy, "unix:" + Path.Combine(dir.Root, "run", "admin.sock")), (lb.Kind, lb.Admin));
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2)), (lb.PollInterval, lb.Timeout));
        Assert.Equal(Path.Combine(dir.Root, "dumps", "config_dump.json"), proxies[2].Admin);
        Assert.Equal([("shop", "web")], proxies[2].Services);
    }

    [Theory]
    [InlineData("kind: nginx\nadmin: http://x:1\ndesired: d\nservices: [web]", 2, "proxies[0].kind: 'nginx' is not one of caddy, haproxy, envoy")]
    [InlineData("kind: caddy\ndesired: d\nservices: [web]", 1, "proxies[0].admin: is required: the admin API")]
    [InlineData("kind: caddy\nadmin: unix:/run/caddy.sock\ndesired: d\nservices: [web]", 3, "proxies[0].admin: 'unix:/run/caddy.sock' is a runtime API socket: only haproxy")]
    [InlineData("kind: caddy\nadmin: http://admin:hunter2@x:1\ndesired: d\nservices: [web]", 3, "proxies[0].admin: must not carry credentials")]
    [InlineData("kind: haproxy\nadmin: tcp://x\ndesired: d\nservices: [web]", 3, "proxies[0].admin: 'tcp://x' is not tcp://HOST:PORT")]
    [InlineData("kind: caddy\nadmin: http://x:1\ndesired: d", 1, "proxies[0].services: names the services the proxy fronts")]
    [InlineData("kind: caddy\nadmin: http://x:1\ndesired: d\nservices: [a/b/c]", 5, "proxies[0].services: 'a/b/c' is not namespace/name")]
    [InlineData("kind: caddy\nadmin: http://x:1\ndesired: d\nservices: [web]\npollInterval: 10ms", 6, "proxies[0].pollInterval: '10ms' is not a duration of at least 100ms")]
    [InlineData("kind: caddy\nadmin: http://x:1\ndesired: d\nservices: [web]\nwatch: true", 6, "proxies[0].watch: unknown field")]
    public void Invalid_proxies_name_file_line_and_field(string proxy, int line, string message)
    {
        var yaml = "tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n    proxies:\n    - name: edge\n"
            + string.Join("\n", proxy.Split('\n').Select(l => "      " + l)) + "\n";

        var spec = FleetSpecReader.Parse("driftfabric.yaml", yaml);

        var error = Assert.Single(spec.Errors);
        Assert.Equal(line + 7, error.Line);
        Assert.Contains("tenants[0].clusters[0]." + message, error.Message, StringComparison.Ordinal);
        Assert.Empty(spec.Tenants);
    }

    [Fact]
    public void A_proxy_declared_twice_in_a_cluster_is_an_error()
    {
        var yaml = "tenants:\n- name: acme\n  clusters:\n  - name: prod\n    desired: d\n    live: { snapshot: s }\n    proxies:\n"
            + "    - { name: edge, kind: caddy, admin: 'http://x:1', desired: d, services: [web] }\n"
            + "    - { name: edge, kind: envoy, admin: 'http://x:2', desired: d, services: [web] }\n";

        var spec = FleetSpecReader.Parse("driftfabric.yaml", yaml);

        Assert.Contains(spec.Errors, e => e.Line == 9 && e.Message.Contains("proxies: proxy 'edge' is declared twice", StringComparison.Ordinal));
    }

    [Fact]
    public void The_policy_text_reads_as_a_fleet_spec_with_the_same_policy_and_no_topology()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", "driftfabric.yaml");
        var text = File.ReadAllText(path);

        var full = FleetSpecReader.Parse(path, text);
        var policy = FleetSpecReader.Parse("policy", DriftPolicyReader.PolicyText(text));

        Assert.Empty(policy.Errors);
        Assert.Empty(policy.Tenants);
        Assert.Empty(policy.Notifications);
        Assert.Equal(full.Policy.Ignore.Count, policy.Policy.Ignore.Count);
        Assert.Equal(full.Policy.SeverityOverrides.Count, policy.Policy.SeverityOverrides.Count);
        Assert.Equal(full.Policy.DefaultNamespace, policy.Policy.DefaultNamespace);
    }
}
