using System.Text;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Tests.Proxies;

/// <summary>
/// Proxies as members of the fleet: a real Caddy and a real HAProxy changed through their admin and
/// runtime APIs, an Envoy admin endpoint serving real sidecar dumps, and proxies that are down,
/// slow or answer garbage.
/// </summary>
[Collection(FabricTests.Name)]
public sealed class ProxyGrainTests(FabricFixture fabric)
{
    private const string CaddyConfig = CaddyServer.ExampleConfig;


    private const string Upstreams = "/apps/http/servers/srv0/routes[@id=api]/handle[0]/upstreams";

    [Fact]
    public async Task Caddy_changed_through_its_admin_api_is_drift_of_the_services_it_fronts_until_its_config_is_loaded_back()
    {
        await using var caddy = await CaddyServer.StartAsync(CaddyConfig);
        using var fleet = new ProxyFleet(fabric.Client, "proxy-caddy");
        fleet.Files.Write("proxies/edge.json", await File.ReadAllTextAsync(caddy.ConfigPath));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, fleet.Tenant);

        var loaded = await fleet.LoadAsync($"{{ name: edge, kind: caddy, admin: '{caddy.Admin}', desired: proxies/edge.json, pollInterval: 200ms, services: [shop/web, shop/api] }}");

        Assert.Empty(loaded.Errors);
        var status = await fleet.StatusAsync("edge");
        Assert.Equal((ProxyState.Ok, 0, "caddy/Proxy/_/edge"), (status.State, status.Drifts, status.Resource));
        Assert.Equal(2, (await fleet.Service("web").GetSummary()).Resources);
        Assert.Equal(SourceState.Ok, (await fleet.Cluster.GetSummary()).Status.State);

        // An operator swaps an upstream and changes the auth header, through the admin API.
        await caddy.PatchAsync("config/apps/http/servers/srv0/routes/1/handle/0/upstreams", """[{"dial":"127.0.0.1:9002"},{"dial":"127.0.0.1:9999"}]""");
        await caddy.PatchAsync("id/ops/handle/0/request/set", """{"X-Auth-User":["root"]}""");

        var opened = await ReadUntilAsync(events, 6, e => e.Type == DriftEventType.Opened);
        Assert.Equal(
            [
                $"api {Upstreams}[dial=127.0.0.1:9001] Missing High",
                $"api {Upstreams}[dial=127.0.0.1:9999] Added High",
                "api /apps/http/servers/srv0/routes[@id=ops]/handle[0]/request/set/X-Auth-User Modified Critical",
                $"web {Upstreams}[dial=127.0.0.1:9001] Missing High",
                $"web {Upstreams}[dial=127.0.0.1:9999] Added High",
                "web /apps/http/servers/srv0/routes[@id=ops]/handle[0]/request/set/X-Auth-User Modified Critical",
            ],
            opened.Select(e => $"{e.Service.Name} {e.Drift.Path} {e.Drift.Kind} {e.Drift.Severity}").Order(StringComparer.Ordinal));
        Assert.All(opened, e => Assert.Equal("caddy/Proxy/_/edge", e.Drift.Resource));
        // The auth header's values leave only as digests.
        var header = opened.First(e => e.Drift.Path.EndsWith("X-Auth-User", StringComparison.Ordinal)).Drift;
        Assert.Equal($"[\"{FabricFixture.Digest("root")}\"]", header.Live);
        Assert.DoesNotContain("root", header.Live + header.Desired, StringComparison.Ordinal);

        // Rolled up: each fronted service and the cluster count the drift.
        Assert.Equal((1, 1, 2), await CountsAsync(fleet.Service("web")));
        var cluster = await fleet.Cluster.GetSummary();
        Assert.Equal((2, 2), (cluster.Summary.DriftedServices, cluster.Summary.Critical));

        // A resync judges the services' own resources again and leaves the proxy's drifts as it reported them;
        // a cluster that comes back (its tables are not stored) finds them in its services again.
        await fleet.Cluster.Resync();
        Assert.Equal((1, 1, 2), await CountsAsync(fleet.Service("web")));
        await fabric.Cluster.DeactivateAsync(fleet.Cluster);
        Assert.Equal(cluster.Summary, (await fleet.Cluster.GetSummary()).Summary);

        // Put back as declared: every drift resolves.
        await caddy.LoadAsync(await File.ReadAllTextAsync(caddy.ConfigPath));
        var resolved = await ReadUntilAsync(events, 6, e => e.Type == DriftEventType.Resolved);
        Assert.Equal(opened.Select(e => e.Drift.Id + e.Service.Name).Order(), resolved.Select(e => e.Drift.Id + e.Service.Name).Order());
        Assert.Equal(0, (await fleet.Cluster.GetSummary()).Summary.Drifts);
    }

    [Fact]
    public async Task Haproxy_server_put_into_maintenance_by_hand_is_drift_by_the_runtime_api_until_it_is_ready_again()
    {
        await using var haproxy = await HaproxyProcess.StartAsync("""
            backend web
              server web1 127.0.0.1:9001 weight 10
              server web2 127.0.0.1:9002 weight 20
            """);
        using var fleet = new ProxyFleet(fabric.Client, "proxy-haproxy");
        // Declared in a YAML section of the repo this time (the CLI's tests read the haproxy.cfg).
        fleet.Files.Write("proxies/haproxy.yaml", """
            backends:
              web:
                servers:
                  web1: { address: 127.0.0.1:9001, weight: 10 }
                  web2: { address: 127.0.0.1:9002, weight: 20 }
            """);
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, fleet.Tenant);
        await fleet.LoadAsync($"{{ name: lb, kind: haproxy, admin: 'unix:{haproxy.SocketPath}', desired: proxies/haproxy.yaml, pollInterval: 200ms, services: [shop/web] }}");
        Assert.Equal(ProxyState.Ok, (await fleet.StatusAsync("lb")).State);

        await haproxy.CommandAsync("set server web/web1 state maint");
        await haproxy.CommandAsync("set server web/web2 weight 5");

        var opened = await ReadUntilAsync(events, 2, e => e.Type == DriftEventType.Opened);
        Assert.Equal(
            ["/backends/web/servers/web1/state High \"ready\" \"maint\" haproxy-runtime-api", "/backends/web/servers/web2/weight Medium 20 5 haproxy-runtime-api"],
            opened.Select(e => $"{e.Drift.Path} {e.Drift.Severity} {e.Drift.Desired} {e.Drift.Live} {e.Drift.Manager}").Order(StringComparer.Ordinal));
        Assert.All(opened, e => Assert.Equal(("web", "haproxy/Proxy/_/lb"), (e.Service.Name, e.Drift.Resource)));

        await haproxy.CommandAsync("set server web/web1 state ready");
        await haproxy.CommandAsync("set server web/web2 weight 20");
        var resolved = await ReadUntilAsync(events, 2, e => e.Type == DriftEventType.Resolved);
        Assert.Equal(opened.Select(e => e.Drift.Id).Order(), resolved.Select(e => e.Drift.Id).Order());
    }

    [Fact]
    public async Task Envoy_admin_endpoint_serving_a_drifted_sidecar_dump_is_drift_until_it_serves_the_expected_one()
    {
        var expected = Encoding.UTF8.GetBytes(ProxyFleet.EnvoyDump("sidecar-expected.json"));
        var served = expected;
        var (app, url) = await LoopbackWeb.StartAsync(web => web.MapGet("/config_dump", () => Results.Bytes(Volatile.Read(ref served), "application/json")));
        await using var _ = app;
        using var fleet = new ProxyFleet(fabric.Client, "proxy-envoy");
        fleet.Files.Write("proxies/expected.json", ProxyFleet.EnvoyDump("sidecar-expected.json"));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, fleet.Tenant);
        await fleet.LoadAsync($"{{ name: reviews-v3, kind: envoy, admin: '{url}', desired: proxies/expected.json, pollInterval: 200ms, services: [shop/web] }}");
        Assert.Equal((ProxyState.Ok, 0), ((await fleet.StatusAsync("reviews-v3")).State, (await fleet.StatusAsync("reviews-v3")).Drifts));

        Volatile.Write(ref served, Encoding.UTF8.GetBytes(ProxyFleet.EnvoyDump("sidecar-actual-drifted.json")));

        var opened = await ReadUntilAsync(events, 5, e => e.Type == DriftEventType.Opened);
        Assert.Equal(
            ["Added", "Added", "Missing", "Missing", "Modified"],
            opened.Select(e => e.Drift.Kind.ToString()).Order(StringComparer.Ordinal));
        Assert.Contains(opened, e => e.Drift.Path == "/clusters/inbound-vip|9999|http|ratings.default.svc.cluster.local");

        Volatile.Write(ref served, expected);
        var resolved = await ReadUntilAsync(events, 5, e => e.Type == DriftEventType.Resolved);
        Assert.Equal(5, resolved.Count);
    }

    [Fact]
    public async Task Proxies_that_are_down_slow_or_answer_garbage_are_unreachable_or_invalid_and_the_rest_keeps_working()
    {
        var (app, url) = await LoopbackWeb.StartAsync(web =>
        {
            // Slower than any timeout: it answers only once the caller gave up (or the server stops).
            web.MapGet("/slow/config/", async (CancellationToken aborted) =>
            {
                using var held = CancellationTokenSource.CreateLinkedTokenSource(aborted, web.Lifetime.ApplicationStopping);
                await Task.Delay(Timeout.Infinite, held.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return "{}";
            });
            web.MapGet("/fine/config/", () => "{}");
            web.MapGet("/garbage/config/", () => Results.Text("<html><body>502 Bad Gateway</body></html>", "text/html"));
            web.MapGet("/error/config/", () => Results.StatusCode((int)HttpStatusCode.ServiceUnavailable));
        });
        await using var _ = app;
        using var fleet = new ProxyFleet(fabric.Client, "proxy-broken");
        fleet.Files.Write("proxies/edge.json", "{}");
        fleet.Files.Write("proxies/broken.json", "{ \"apps\": ");
        var dead = $"http://127.0.0.1:{LoopbackPorts.Free()}/";

        var loaded = await fleet.LoadAsync(
            $"{{ name: down, kind: caddy, admin: '{dead}', desired: proxies/edge.json, services: [shop/web] }}",
            $"{{ name: slow, kind: caddy, admin: '{url}slow/config/', desired: proxies/edge.json, timeout: 500ms, services: [shop/web] }}",
            $"{{ name: garbage, kind: caddy, admin: '{url}garbage/config/', desired: proxies/edge.json, services: [shop/web] }}",
            $"{{ name: failing, kind: caddy, admin: '{url}error/config/', desired: proxies/edge.json, services: [shop/web] }}",
            $"{{ name: miswritten, kind: caddy, admin: '{url}fine/config/', desired: proxies/broken.json, services: [shop/api] }}");

        Assert.Empty(loaded.Errors);
        var proxies = (await fleet.Cluster.GetProxies()).ToDictionary(p => p.Name);
        Assert.Equal(ProxyState.Unreachable, proxies["down"].State);
        Assert.StartsWith(dead + ": unreachable:", proxies["down"].Error, StringComparison.Ordinal);
        Assert.Equal((ProxyState.Unreachable, $"{url}slow/config/: unreachable: no answer within 0.5 s"), (proxies["slow"].State, proxies["slow"].Error));
        Assert.Equal(ProxyState.Invalid, proxies["garbage"].State);
        Assert.StartsWith($"{url}garbage/config/:1: invalid:", proxies["garbage"].Error, StringComparison.Ordinal);
        Assert.Equal(ProxyState.Unreachable, proxies["failing"].State);
        Assert.Contains("answered 503", proxies["failing"].Error, StringComparison.Ordinal);
        Assert.Equal(ProxyState.Invalid, proxies["miswritten"].State);
        Assert.StartsWith(Path.Combine(fleet.Files.Root, "proxies", "broken.json"), proxies["miswritten"].Error, StringComparison.Ordinal);

        // The cluster says so, and the services are judged as before: a proxy that cannot be read is not "in sync" and not "missing".
        var cluster = await fleet.Cluster.GetSummary();
        Assert.Equal(SourceState.Degraded, cluster.Status.State);
        Assert.Equal(5, cluster.Status.Errors.Count(e => e.StartsWith("proxy ", StringComparison.Ordinal)));
        Assert.Equal((0, 1), ((await fleet.Service("web").GetSummary()).Drifts, (await fleet.Service("web").GetSummary()).Resources));
    }

    [Fact]
    public async Task Haproxy_and_envoy_proxies_that_are_down_slow_or_answer_garbage_are_unreachable_or_invalid_and_the_rest_keeps_working()
    {
        var (app, url) = await LoopbackWeb.StartAsync(web =>
        {
            web.MapGet("/unavailable/config_dump", () => Results.StatusCode((int)HttpStatusCode.ServiceUnavailable));
            web.MapGet("/html/config_dump", () => Results.Text("<html><body>upstream connect error</body></html>", "text/html"));
        });
        await using var _ = app;
        using var fleet = new ProxyFleet(fabric.Client, "proxy-broken-mesh");
        fleet.Files.Write("proxies/haproxy.cfg", "backend web\n  server web1 127.0.0.1:9001\n");
        fleet.Files.Write("proxies/expected.json", ProxyFleet.EnvoyDump("sidecar-expected.json"));
        fleet.Files.Write("proxies/truncated.json", ProxyFleet.EnvoyDump("sidecar-expected.json")[..5000]);
        using var garbage = RuntimeApiStandIn.Start(Path.Combine(fleet.Files.Root, "garbage.sock"), "Unknown command, but maybe one of the following ones is a better match:\n  help\n");
        using var hung = RuntimeApiStandIn.Start(Path.Combine(fleet.Files.Root, "hung.sock"), answer: null);
        var deadPort = LoopbackPorts.Free();

        var loaded = await fleet.LoadAsync(
            "{ name: lb-gone, kind: haproxy, admin: 'unix:gone.sock', desired: proxies/haproxy.cfg, services: [shop/web] }",
            $"{{ name: lb-dead, kind: haproxy, admin: 'tcp://127.0.0.1:{deadPort}', desired: proxies/haproxy.cfg, services: [shop/web] }}",
            "{ name: lb-garbage, kind: haproxy, admin: 'unix:garbage.sock', desired: proxies/haproxy.cfg, services: [shop/web] }",
            "{ name: lb-hung, kind: haproxy, admin: 'unix:hung.sock', desired: proxies/haproxy.cfg, timeout: 500ms, services: [shop/web] }",
            $"{{ name: sidecar-503, kind: envoy, admin: '{url}unavailable/config_dump', desired: proxies/expected.json, services: [shop/web] }}",
            $"{{ name: sidecar-html, kind: envoy, admin: '{url}html/config_dump', desired: proxies/expected.json, services: [shop/web] }}",
            "{ name: sidecar-cut, kind: envoy, admin: proxies/truncated.json, desired: proxies/expected.json, services: [shop/web] }",
            "{ name: sidecar-ok, kind: envoy, admin: proxies/expected.json, desired: proxies/expected.json, services: [shop/api] }");

        Assert.Empty(loaded.Errors);
        var proxies = (await fleet.Cluster.GetProxies()).ToDictionary(p => p.Name, p => (p.State, p.Error));
        Assert.Equal(ProxyState.Unreachable, proxies["lb-gone"].State);
        Assert.StartsWith($"unix:{Path.Combine(fleet.Files.Root, "gone.sock")}: unreachable:", proxies["lb-gone"].Error, StringComparison.Ordinal);
        Assert.Equal(ProxyState.Unreachable, proxies["lb-dead"].State);
        Assert.StartsWith($"tcp://127.0.0.1:{deadPort}: unreachable:", proxies["lb-dead"].Error, StringComparison.Ordinal);
        Assert.Equal(ProxyState.Invalid, proxies["lb-garbage"].State);
        Assert.Contains("invalid: not the runtime API's 'show servers state'", proxies["lb-garbage"].Error, StringComparison.Ordinal);
        Assert.Equal((ProxyState.Unreachable, $"unix:{Path.Combine(fleet.Files.Root, "hung.sock")}: unreachable: no answer within 0.5 s"), proxies["lb-hung"]);
        Assert.Equal(ProxyState.Unreachable, proxies["sidecar-503"].State);
        Assert.Contains("answered 503", proxies["sidecar-503"].Error, StringComparison.Ordinal);
        Assert.Equal(ProxyState.Invalid, proxies["sidecar-html"].State);
        Assert.StartsWith($"{url}html/config_dump:1: invalid:", proxies["sidecar-html"].Error, StringComparison.Ordinal);
        Assert.Equal(ProxyState.Invalid, proxies["sidecar-cut"].State);
        Assert.StartsWith(Path.Combine(fleet.Files.Root, "proxies", "truncated.json"), proxies["sidecar-cut"].Error, StringComparison.Ordinal);
        Assert.Equal((ProxyState.Ok, null), proxies["sidecar-ok"]);

        // Seven proxies that cannot be read degrade the cluster; the services are judged as before.
        var cluster = await fleet.Cluster.GetSummary();
        Assert.Equal(SourceState.Degraded, cluster.Status.State);
        Assert.Equal(7, cluster.Status.Errors.Count(e => e.StartsWith("proxy ", StringComparison.Ordinal)));
        Assert.Equal((0, 1), ((await fleet.Service("web").GetSummary()).Drifts, (await fleet.Service("web").GetSummary()).Resources));
        Assert.Equal((0, 2), ((await fleet.Service("api").GetSummary()).Drifts, (await fleet.Service("api").GetSummary()).Resources));
    }

    [Fact]
    public async Task A_proxy_that_goes_down_keeps_its_drifts_and_one_no_longer_declared_withdraws_them()
    {
        var caddy = await CaddyServer.StartAsync(CaddyConfig);
        using var fleet = new ProxyFleet(fabric.Client, "proxy-lost");
        fleet.Files.Write("proxies/edge.json", await File.ReadAllTextAsync(caddy.ConfigPath));
        var edge = $"{{ name: edge, kind: caddy, admin: '{caddy.Admin}', desired: proxies/edge.json, pollInterval: 200ms, services: [shop/web] }}";
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, fleet.Tenant);
        await fleet.LoadAsync(edge);
        await caddy.PatchAsync("config/apps/http/servers/srv0/routes/2/handle/0/body", "\"maintenance\"");
        var opened = await ReadUntilAsync(events, 1, e => e.Type == DriftEventType.Opened);

        await caddy.DisposeAsync();
        var down = await ProxyProbe(fleet, s => s.State == ProxyState.Unreachable);

        Assert.Equal((ProxyState.Unreachable, 1), (down.State, down.Drifts));
        Assert.Equal([opened[0].Drift.Id], (await fleet.Service("web").GetDrifts()).Select(d => d.Id));

        // Taken out of the spec: its drift leaves the service it fronted.
        await fleet.LoadAsync();
        var withdrawn = await ReadUntilAsync(events, 1, e => e.Type == DriftEventType.Resolved);
        Assert.Equal(opened[0].Drift.Id, withdrawn[0].Drift.Id);
        Assert.Equal((0, 1), ((await fleet.Service("web").GetSummary()).Drifts, (await fleet.Service("web").GetSummary()).Resources));
        Assert.Empty(await fleet.Cluster.GetProxies());
        Assert.Equal(SourceState.Ok, (await fleet.Cluster.GetSummary()).Status.State);
    }

    [Fact]
    public async Task A_proxy_read_from_a_saved_dump_that_fronts_a_service_the_cluster_does_not_declare_is_flagged()
    {
        using var fleet = new ProxyFleet(fabric.Client, "proxy-typo");
        fleet.Files.Write("proxies/expected.json", ProxyFleet.EnvoyDump("sidecar-expected.json"));
        fleet.Files.Write("proxies/config_dump.json", ProxyFleet.EnvoyDump("sidecar-expected.json"));

        await fleet.LoadAsync("{ name: sidecar, kind: envoy, admin: proxies/config_dump.json, desired: proxies/expected.json, services: [shop/web, shop/webb] }");

        var status = await fleet.StatusAsync("sidecar");
        Assert.Equal((ProxyState.Ok, 0), (status.State, status.Drifts));
        var cluster = await fleet.Cluster.GetSummary();
        Assert.Equal(SourceState.Degraded, cluster.Status.State);
        Assert.Equal(["proxy sidecar fronts shop/webb, which the cluster does not declare"], cluster.Status.Errors);

        // The saved dump is replaced by a drifted one: read from the file like an admin endpoint.
        fleet.Files.Write("proxies/config_dump.json", ProxyFleet.EnvoyDump("sidecar-actual-drifted.json"));
        var drifted = await Eventually.ReachAsync(() => fleet.StatusAsync("sidecar"), s => s.Drifts > 0);
        Assert.Equal((ProxyState.Ok, 5, Severity.High), (drifted.State, drifted.Drifts, drifted.Worst));
        Assert.Equal(5, (await Eventually.ReachAsync(() => fleet.Service("web").GetSummary(), s => s.Drifts == 5)).Drifts);
    }

    [Fact]
    public async Task A_proxy_whose_services_or_kind_change_moves_its_drifts_and_leaves_none_behind()
    {
        using var fleet = new ProxyFleet(fabric.Client, "proxy-moved");
        fleet.Files.Write("proxies/expected.json", ProxyFleet.EnvoyDump("sidecar-expected.json"));
        fleet.Files.Write("proxies/config_dump.json", ProxyFleet.EnvoyDump("sidecar-actual-drifted.json"));
        const string Sidecar = "{ name: sidecar, kind: KIND, admin: proxies/config_dump.json, desired: proxies/expected.json, services: [SERVICES] }";

        await fleet.LoadAsync(Sidecar.Replace("KIND", "envoy", StringComparison.Ordinal).Replace("SERVICES", "shop/web", StringComparison.Ordinal));
        Assert.Equal((5, 0), ((await fleet.Service("web").GetSummary()).Drifts, (await fleet.Service("api").GetSummary()).Drifts));

        await fleet.LoadAsync(Sidecar.Replace("KIND", "envoy", StringComparison.Ordinal).Replace("SERVICES", "shop/api", StringComparison.Ordinal));
        Assert.Equal((0, 5), ((await fleet.Service("web").GetSummary()).Drifts, (await fleet.Service("api").GetSummary()).Drifts));
        Assert.Equal((1, 2), ((await fleet.Service("web").GetSummary()).Resources, (await fleet.Service("api").GetSummary()).Resources));

        // Declared as another kind: another resource, judged by another kind's rules; the envoy one's drifts are gone.
        // (Its own configs: an Envoy dump is no Caddy config.)
        fleet.Files.Write("proxies/caddy.json", """{"apps":{"http":{"servers":{"srv0":{"listen":[":8080"]}}}}}""");
        fleet.Files.Write("proxies/caddy-running.json", """{"apps":{"http":{"servers":{"srv0":{"listen":[":8081"]}}}}}""");
        await fleet.LoadAsync("{ name: sidecar, kind: caddy, admin: proxies/caddy-running.json, desired: proxies/caddy.json, services: [shop/api] }");
        var api = await fleet.Service("api").GetDrifts();
        Assert.NotEmpty(api);
        Assert.All(api, d => Assert.Equal("caddy/Proxy/_/sidecar", d.Resource));
        Assert.Equal(2, (await fleet.Service("api").GetSummary()).Resources);
    }

    [Fact]
    public async Task Caddy_and_haproxy_are_reverted_through_their_admin_and_runtime_apis_after_a_dry_run()
    {
        await using var caddy = await CaddyServer.StartAsync(CaddyConfig);
        await using var haproxy = await HaproxyProcess.StartAsync("""
            backend web
              server web1 127.0.0.1:9001 weight 10
              server web2 127.0.0.1:9002 weight 20
            """);
        using var fleet = new ProxyFleet(fabric.Client, "proxy-revert");
        fleet.Files.Write("proxies/edge.json", await File.ReadAllTextAsync(caddy.ConfigPath));
        fleet.Files.Write("proxies/haproxy.cfg", await File.ReadAllTextAsync(haproxy.ConfigPath));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, fleet.Tenant);
        await fleet.LoadAsync(
            $"{{ name: edge, kind: caddy, admin: '{caddy.Admin}', desired: proxies/edge.json, pollInterval: 200ms, services: [shop/web] }}",
            $"{{ name: lb, kind: haproxy, admin: 'unix:{haproxy.SocketPath}', desired: proxies/haproxy.cfg, pollInterval: 200ms, services: [shop/web] }}");
        await caddy.PatchAsync("config/apps/http/servers/srv0/routes/1/handle/0/upstreams", """[{"dial":"127.0.0.1:9002"},{"dial":"127.0.0.1:9999"}]""");
        await haproxy.CommandAsync("set server web/web1 state maint");
        await haproxy.CommandAsync("set server web/web2 weight 5");
        await ReadUntilAsync(events, 4, e => e.Type == DriftEventType.Opened);
        var service = new ServiceId(fleet.Tenant, "prod", "shop", "web");

        var preview = await fabric.Client.GetGrain<IRemediationGrain>(fleet.Cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Revert, DryRun: true, "test"));
        var stillDrifted = (await fleet.StatusAsync("lb")).Drifts;
        var done = await fabric.Client.GetGrain<IRemediationGrain>(fleet.Cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Revert, DryRun: false, "test"));
        var remediated = await ReadUntilAsync(events, 4, e => e.Type == DriftEventType.Remediated);
        var resolved = await ReadUntilAsync(events, 4, e => e.Type == DriftEventType.Resolved);

        Assert.Equal(["caddy/Proxy/_/edge WouldChange", "haproxy/Proxy/_/lb WouldChange"], preview.Results.Select(r => $"{r.Resource} {r.Outcome}"));
        Assert.Equal(2, stillDrifted);
        Assert.Contains("set server web/web1 state ready; set server web/web2 weight 20", preview.Results[1].Message, StringComparison.Ordinal);
        Assert.Equal(
            ["/backends/web/servers/web1/state \"maint\" -> \"ready\"", "/backends/web/servers/web2/weight 5 -> 20"],
            preview.Results[1].Changes.Select(c => $"{c.Path} {c.From} -> {c.To}"));
        Assert.Equal(["caddy/Proxy/_/edge Reverted", "haproxy/Proxy/_/lb Reverted"], done.Results.Select(r => $"{r.Resource} {r.Outcome}"));
        Assert.All(remediated, e => Assert.Equal(("test", "revert", RemediationOutcome.Reverted), (e.Remediation!.Actor, e.Remediation.Action, e.Remediation.Outcome)));
        Assert.Equal(remediated.Select(e => e.Drift.Id).Order(), resolved.Select(e => e.Drift.Id).Order());
        Assert.Contains("127.0.0.1:9001", (await caddy.ConfigAsync()).ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, (await fleet.Service("web").GetSummary()).Drifts);
    }

    private static Task<ProxyStatus> ProxyProbe(ProxyFleet fleet, Func<ProxyStatus, bool> done) =>
        Eventually.ReachAsync(() => fleet.StatusAsync("edge"), done);

    private static async Task<(int Drifted, int Critical, int High)> CountsAsync(IServiceGrain service)
    {
        var summary = await service.GetSummary();
        return (summary.DriftedResources, summary.Critical, summary.High);
    }

    /// <summary>The next <paramref name="count"/> events that match, skipping the others.</summary>
    private static async Task<List<DriftEvent>> ReadUntilAsync(EventCollector events, int count, Func<DriftEvent, bool> match)
    {
        var found = new List<DriftEvent>();
        while (found.Count < count)
        {
            var next = await events.ReadOneAsync();
            if (match(next))
            {
                found.Add(next);
            }
        }

        return found;
    }
}
