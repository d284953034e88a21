using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// One embedded silo process with the example fleet, an Envoy sidecar of globex read from a saved
/// config dump (the drifted one of tests/TestData/envoy), and two configured tokens: one for every
/// tenant, one for acme only.
/// </summary>
public sealed class ApiSilo : IAsyncLifetime
{
    public const string AllTenants = "token-for-every-tenant-0123456789";
    public const string AcmeOnly = "token-for-acme-only-0123456789ab";

    public TempFleet Fleet { get; } = TempFleet.FromExamples();

    public SiloProcess Silo { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await AddSidecarAsync(Fleet);
        Silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["DRIFTFABRIC__API__TOKENS__0__TOKEN"] = AllTenants,
                ["DRIFTFABRIC__API__TOKENS__0__TENANTS__0"] = "*",
                ["DRIFTFABRIC__API__TOKENS__0__SCOPES__0"] = "read",
                ["DRIFTFABRIC__API__TOKENS__0__SCOPES__1"] = "write",
                ["DRIFTFABRIC__API__TOKENS__1__TOKEN"] = AcmeOnly,
                ["DRIFTFABRIC__API__TOKENS__1__TENANTS__0"] = "acme",
            },
            "--fleet",
            Fleet.SpecPath);
        await Silo.WaitForLineAsync("Watching desired and live sources");
        Http = new HttpClient { BaseAddress = Silo.ApiUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Gives the example fleet's payments cluster an Envoy sidecar (a real Istio dump, drifted).</summary>
    public static async Task AddSidecarAsync(TempFleet fleet)
    {
        var dumps = Path.Combine(AppContext.BaseDirectory, "envoy");
        fleet.Write("globex/proxies/expected.json", await File.ReadAllTextAsync(Path.Combine(dumps, "sidecar-expected.json")));
        fleet.Write("globex/proxies/config_dump.json", await File.ReadAllTextAsync(Path.Combine(dumps, "sidecar-actual-drifted.json")));
        fleet.Write("driftfabric.yaml", fleet.Read("driftfabric.yaml").Replace("    defaultNamespace: payments\n", """
                defaultNamespace: payments
                proxies:
                - { name: sidecar, kind: envoy, admin: globex/proxies/config_dump.json, desired: globex/proxies/expected.json, services: [gateway] }

            """, StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Silo.DisposeAsync();
        Fleet.Dispose();
    }

    public Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string path, string? token) => Http.ApiGetAsync(path, token);

    public Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(string path, string? token, string json) => Http.ApiPostAsync(path, token, json);

    public Task<(HttpStatusCode Status, string? MediaType, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? token, HttpContent? content, params (string Name, string Value)[] headers) =>
        Http.ApiSendAsync(method, path, token, content, headers);
}

[CollectionDefinition(Name)]
public sealed class ApiSiloTests : ICollectionFixture<ApiSilo>
{
    public const string Name = "api-silo";
}

/// <summary>The silo's HTTP API, its own Program hosted in the test process: every endpoint, with and without the right token.</summary>
[Collection(InProcessSiloTests.Name)]
public sealed class HttpApiTests(InProcessSilo api)
{
    private const string Cart = "/api/v1/tenants/acme/clusters/prod-eu/services/shop/cart";

    public static TheoryData<string> Endpoints => new()
    {
        "/api/v1/fleet",
        "/api/v1/tenants",
        "/api/v1/tenants/acme",
        "/api/v1/tenants/acme/clusters/prod-eu",
        Cart,
        Cart + "/history",
        Cart + "/resources/apps/Deployment/shop/cart",
        "/api/v1/tenants/acme/events",
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_token_or_with_an_unknown_one_every_endpoint_is_401(string path)
    {
        var (none, body) = await api.GetAsync(path, null);
        var (unknown, _) = await api.GetAsync(path, "not-a-token-of-this-silo-at-all");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (none, unknown));
        Assert.Contains("bearer token", (string?)body?["detail"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/tenants/globex")]
    [InlineData("/api/v1/tenants/globex/clusters/payments-prod")]
    [InlineData("/api/v1/tenants/globex/clusters/payments-prod/services/payments/ledger")]
    [InlineData("/api/v1/tenants/globex/clusters/payments-prod/services/payments/ledger/history")]
    [InlineData("/api/v1/tenants/globex/events")]
    [InlineData("/api/v1/tenants/globex/clusters/payments-prod/proxies/sidecar")]
    [InlineData("/api/v1/tenants/nobody")]
    public async Task A_token_scoped_to_acme_is_403_on_any_other_tenant(string path)
    {
        var (status, body) = await api.GetAsync(path, ApiSilo.AcmeOnly);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("this token is not scoped to the tenant", (string?)body?["detail"]);
    }

    [Fact]
    public async Task The_tenant_list_and_fleet_total_hold_only_the_tenants_a_token_may_read()
    {
        var (_, all) = await api.GetAsync("/api/v1/tenants", ApiSilo.AllTenants);
        var (_, acme) = await api.GetAsync("/api/v1/tenants", ApiSilo.AcmeOnly);
        var (_, acmeFleet) = await api.GetAsync("/api/v1/fleet", ApiSilo.AcmeOnly);

        Assert.Equal(["acme", "globex"], all!.AsArray().Select(t => (string?)t!["tenant"]));
        Assert.Equal(["acme"], acme!.AsArray().Select(t => (string?)t!["tenant"]));
        Assert.Equal(26, (int?)acmeFleet!["total"]!["resources"]);
        Assert.Equal("critical", (string?)acme[0]!["summary"]!["worst"]);
    }

    [Fact]
    public async Task Tenant_cluster_service_history_and_resource_answer_as_the_client_library_does()
    {
        var (tenantStatus, tenant) = await api.GetAsync("/api/v1/tenants/acme", ApiSilo.AcmeOnly);
        var (_, cluster) = await api.GetAsync("/api/v1/tenants/acme/clusters/prod-eu", ApiSilo.AcmeOnly);
        var (_, cart) = await api.GetAsync(Cart, ApiSilo.AcmeOnly);
        var (_, history) = await api.GetAsync(Cart + "/history", ApiSilo.AcmeOnly);
        var (_, deployment) = await api.GetAsync(Cart + "/resources/apps/Deployment/shop/cart", ApiSilo.AcmeOnly);
        var (_, inSync) = await api.GetAsync("/api/v1/tenants/acme/clusters/prod-eu/services/shop/catalog/resources/apps/Deployment/shop/catalog", ApiSilo.AcmeOnly);

        Assert.Equal(HttpStatusCode.OK, tenantStatus);
        Assert.Equal(["prod-eu", "staging"], tenant!["clusters"]!.AsArray().Select(c => (string?)c!["cluster"]));
        Assert.Equal("ok", (string?)tenant["clusters"]![0]!["status"]!["state"]);
        Assert.Contains("cart", cluster!["services"]!.AsArray().Select(s => (string?)s!["service"]!["name"]));
        Assert.Equal(
            ["apps/Deployment/shop/cart /spec/replicas modified medium kubectl-scale", "core/ConfigMap/shop/debug-flags  unmanaged high kubectl-create"],
            cart!["drifts"]!.AsArray().Select(d => $"{d!["resource"]} {d["path"]} {((string?)d["kind"])!.ToLowerInvariant()} {d["severity"]} {d["manager"]}"));
        Assert.Contains(history!.AsArray(), t => (string?)t!["type"] == "opened" && (string?)t["drift"]!["path"] == "/spec/replicas");
        Assert.Equal(6, (int)Assert.Single(deployment!.AsArray())!["live"]!);
        Assert.Empty(inSync!.AsArray());
    }

    [Fact]
    public async Task A_drift_reads_as_check_prints_it_values_as_json_values_and_its_source_as_file_and_line()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Cart);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiSilo.AcmeOnly);
        using var response = await api.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        var replicas = JsonNode.Parse(text)!["drifts"]!.AsArray().Single(d => (string?)d!["path"] == "/spec/replicas")!;
        Assert.Equal(JsonValueKind.Number, replicas["desired"]!.GetValueKind());
        Assert.Equal(2, (int)replicas["desired"]!);
        Assert.Equal(6, (int)replicas["live"]!);
        Assert.EndsWith("prod-eu/desired/cart.yaml", (string?)replicas["source"]!["file"], StringComparison.Ordinal);
        Assert.Equal(12, (int)replicas["source"]!["line"]!); // the line of "replicas: 2", as check names it
        Assert.DoesNotContain("\\u0022", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remediation_needs_a_token_with_the_write_scope_and_a_dry_run_changes_nothing()
    {
        const string Body = """{"action":"revert","resource":"apps/Deployment/shop/cart"}""";
        var (readOnly, refusal) = await api.PostAsync(Cart + "/remediate", ApiSilo.AcmeOnly, Body);
        var (otherTenant, _) = await api.PostAsync("/api/v1/tenants/globex/clusters/payments-prod/services/payments/ledger/remediate", ApiSilo.AcmeOnly, Body);
        var (clusterReadOnly, clusterRefusal) = await api.PostAsync("/api/v1/tenants/acme/clusters/prod-eu/remediate", ApiSilo.AcmeOnly, """{"action":"revert"}""");
        var (clusterNoToken, _) = await api.PostAsync("/api/v1/tenants/acme/clusters/prod-eu/remediate", null, """{"action":"revert"}""");
        var (_, before) = await api.GetAsync("/api/v1/tenants/acme", ApiSilo.AllTenants);
        var (status, report) = await api.PostAsync(Cart + "/remediate", ApiSilo.AllTenants, Body);
        var (_, after) = await api.GetAsync("/api/v1/tenants/acme", ApiSilo.AllTenants);
        var (unknownAction, actionError) = await api.PostAsync(Cart + "/remediate", ApiSilo.AllTenants, """{"action":"delete"}""");
        var (unknownResource, resourceError) = await api.PostAsync(Cart + "/remediate", ApiSilo.AllTenants, """{"action":"revert","resource":"apps/Deployment/shop/basket"}""");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (readOnly, otherTenant));
        Assert.Equal("this token has no write scope: remediation needs one", (string?)refusal!["detail"]);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (clusterReadOnly, clusterNoToken));
        Assert.Equal("this token has no write scope: remediation needs one", (string?)clusterRefusal!["detail"]);
        Assert.Equal(HttpStatusCode.OK, status);
        // A dry run unless asked otherwise; the example fleet is read from snapshots, so there is nothing to write to.
        Assert.True((bool)report!["dryRun"]!);
        var result = Assert.Single(report["results"]!.AsArray())!;
        Assert.Equal(("apps/Deployment/shop/cart", "Skipped"), ((string?)result["resource"], (string?)result["outcome"]));
        Assert.Contains("read from a snapshot", (string?)result["message"], StringComparison.Ordinal);
        Assert.Equal((long)before!["lastSequence"]!, (long)after!["lastSequence"]!);
        Assert.Equal((HttpStatusCode.BadRequest, "'delete' is not an action (revert, adopt)"), (unknownAction, (string?)actionError!["detail"]));
        Assert.Equal((HttpStatusCode.NotFound, "service acme/prod-eu/shop/cart has no resource apps/Deployment/shop/basket"), (unknownResource, (string?)resourceError!["detail"]));
    }

    [Fact]
    public async Task A_cluster_lists_its_proxies_and_a_proxy_answers_its_state_and_drifts()
    {
        var (_, cluster) = await api.GetAsync("/api/v1/tenants/globex/clusters/payments-prod", ApiSilo.AllTenants);
        var (status, proxy) = await api.GetAsync("/api/v1/tenants/globex/clusters/payments-prod/proxies/sidecar", ApiSilo.AllTenants);
        var (_, gateway) = await api.GetAsync("/api/v1/tenants/globex/clusters/payments-prod/services/payments/gateway/resources/envoy/Proxy/_/sidecar", ApiSilo.AllTenants);

        var listed = Assert.Single(cluster!["proxies"]!.AsArray())!;
        Assert.Equal(("sidecar", "envoy", "ok"), ((string?)listed["name"], (string?)listed["kind"], ((string?)listed["state"])!.ToLowerInvariant()));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("ok", 5, "payments/gateway"), (((string?)proxy!["status"]!["state"])!.ToLowerInvariant(), (int?)proxy["status"]!["drifts"], $"{proxy["status"]!["services"]![0]!["namespace"]}/{proxy["status"]!["services"]![0]!["name"]}"));
        Assert.Equal(5, proxy["drifts"]!.AsArray().Count);
        // The fronted service has the proxy's drifts as its own.
        Assert.Equal(
            proxy["drifts"]!.AsArray().Select(d => (string?)d!["path"]).Order(StringComparer.Ordinal),
            gateway!.AsArray().Select(d => (string?)d!["path"]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/tenants/nobody", "no tenant nobody in the fleet")]
    [InlineData("/api/v1/tenants/acme/clusters/moon", "no cluster moon in tenant acme")]
    [InlineData("/api/v1/tenants/acme/clusters/prod-eu/services/shop/basket", "no service shop/basket in cluster acme/prod-eu")]
    [InlineData(Cart + "/resources/apps/Deployment/shop/basket", "service acme/prod-eu/shop/cart has no resource apps/Deployment/shop/basket")]
    [InlineData("/api/v1/tenants/nobody/events", "no tenant nobody in the fleet")]
    [InlineData("/api/v1/tenants/globex/clusters/payments-prod/proxies/edge", "no proxy edge in cluster globex/payments-prod")]
    public async Task Unknown_names_are_404_with_one_clear_line(string path, string error)
    {
        var (status, body) = await api.GetAsync(path, ApiSilo.AllTenants);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(error, (string?)body?["detail"]);
    }

    public static TheoryData<string, string, string?, string?, string?, HttpStatusCode, string> Errors => new()
    {
        { "GET", "/api/v1/fleet", null, null, null, HttpStatusCode.Unauthorized, "a bearer token is required" },
        { "GET", "/api/v1/fleet", "not-a-token-of-this-silo-at-all", null, null, HttpStatusCode.Unauthorized, "this silo knows no such bearer token" },
        { "GET", "/api/v1/tenants/globex", ApiSilo.AcmeOnly, null, null, HttpStatusCode.Forbidden, "this token is not scoped to the tenant" },
        { "GET", "/api/v1/tenants/nobody", ApiSilo.AllTenants, null, null, HttpStatusCode.NotFound, "no tenant nobody in the fleet" },
        { "GET", "/api/v1/nothing-here", ApiSilo.AllTenants, null, null, HttpStatusCode.NotFound, "nothing is served at this path" },
        { "DELETE", "/api/v1/fleet", ApiSilo.AllTenants, null, null, HttpStatusCode.MethodNotAllowed, "this endpoint does not take DELETE: it takes GET" },
        { "POST", Cart + "/remediate", ApiSilo.AllTenants, "text/plain", "{}", HttpStatusCode.UnsupportedMediaType, "this endpoint takes a JSON body" },
        { "POST", Cart + "/remediate", ApiSilo.AllTenants, "application/json", "{\"action\":", HttpStatusCode.BadRequest, "from the request body as JSON" },
        { "POST", Cart + "/remediate", ApiSilo.AllTenants, "application/json", "{\"action\":\"revert\",\"dryRun\":\"yes\"}", HttpStatusCode.BadRequest, "Path: $.dryRun" },
        { "POST", Cart + "/remediate", ApiSilo.AllTenants, null, null, HttpStatusCode.BadRequest, "no body was provided" },
        { "POST", Cart + "/remediate", ApiSilo.AllTenants, "application/json", "{\"action\":\"delete\"}", HttpStatusCode.BadRequest, "'delete' is not an action" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Every_error_is_a_problem_with_type_title_status_and_detail(string method, string path, string? token, string? contentType, string? body, HttpStatusCode expected, string detail)
    {
        var content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, contentType ?? "application/json");
        var (status, mediaType, problem) = await api.SendAsync(new HttpMethod(method), path, token, content);

        Assert.Equal((expected, "application/problem+json"), (status, mediaType));
        Assert.StartsWith("https://", (string?)problem!["type"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.Equal((int)expected, (int?)problem["status"]);
        Assert.Contains(detail, (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_source_refused_gets_a_problem_though_it_accepts_only_event_streams()
    {
        var accept = ("Accept", "text/event-stream");
        var (anonymous, anonymousType, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme/events", null, null, accept);
        var (unknown, unknownType, problem) = await api.SendAsync(HttpMethod.Get, "/api/v1/tenants/nobody/events", ApiSilo.AllTenants, null, accept);

        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json"), (anonymous, anonymousType));
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (unknown, unknownType));
        Assert.Equal("no tenant nobody in the fleet", (string?)problem!["detail"]);
    }

    [Fact]
    public async Task A_cursor_at_the_last_event_tails_the_log_and_one_past_it_is_refused()
    {
        var (_, tenant) = await api.GetAsync("/api/v1/tenants/acme", ApiSilo.AllTenants);
        var last = (long)tenant!["lastSequence"]!;

        var (atLast, atLastType, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/tenants/acme/events?after={last}", ApiSilo.AllTenants, null);
        var (pastLast, _, problem) = await api.SendAsync(HttpMethod.Get, $"/api/v1/tenants/acme/events?after={last + 1}", ApiSilo.AllTenants, null);

        Assert.Equal((HttpStatusCode.OK, "text/event-stream"), (atLast, atLastType));
        Assert.Equal(HttpStatusCode.BadRequest, pastLast);
        Assert.Equal($"after={last + 1} is past the last event of tenant acme ({last})", (string?)problem!["detail"]);
    }

    [Fact]
    public async Task Without_a_token_health_and_readiness_say_only_that_the_silo_is_ok()
    {
        var (health, healthBody) = await api.GetAsync("/healthz", null);
        var (ready, readyBody) = await api.GetAsync("/readyz", null);
        var (unknown, unknownBody) = await api.GetAsync("/readyz", "not-a-token-of-this-silo-at-all");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (health, ready, unknown));
        Assert.All(new[] { healthBody, readyBody, unknownBody }, body => Assert.Equal("""{"status":"ok"}""", body!.ToJsonString()));
    }

    [Fact]
    public async Task A_token_for_some_tenants_sees_the_watches_of_those_only()
    {
        var (status, report) = await api.GetAsync("/readyz", ApiSilo.AcmeOnly);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["acme/prod-eu ok", "acme/staging ok"], report!["watches"]!.AsArray().Select(w => $"{w!["tenant"]}/{w["cluster"]} {w["state"]}"));
        Assert.Contains(report["components"]!.AsArray(), c => (string?)c!["component"] == "event-log" && (bool?)c["healthy"] == true);
    }

    [Fact]
    public async Task With_a_token_health_reports_the_event_log_readiness_every_watch_and_metrics_and_OpenAPI_are_served()
    {
        var (health, live) = await api.GetAsync("/healthz", ApiSilo.AllTenants);
        var (ready, report) = await api.GetAsync("/readyz", ApiSilo.AllTenants);
        var (openApi, document) = await api.GetAsync("/openapi/v1.json", null);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (health, ready, openApi));
        Assert.Equal(("ok", true), ((string?)live!["status"], (bool?)live["fleetLoaded"]));
        Assert.Contains(live["components"]!.AsArray(), c => (string?)c!["component"] == "event-log" && (bool?)c["healthy"] == true);

        // Liveness never asks a grain: the watches (from the fleet's grains) are readiness's.
        Assert.Empty(live["watches"]!.AsArray());
        Assert.Equal("ok", (string?)report!["status"]);
        Assert.Equal(
            ["acme/prod-eu ok", "acme/staging ok", "globex/payments-prod ok"],
            report["watches"]!.AsArray().Select(w => $"{w!["tenant"]}/{w["cluster"]} {w["state"]}"));
        Assert.Contains(report["components"]!.AsArray(), c => (string?)c!["component"] == "event-log" && (bool?)c["healthy"] == true);
        var metrics = await api.Http.GetStringAsync("/metrics");
        Assert.Contains("driftfabric_drifts_open{otel_scope_name=\"DriftFabric\",cluster=\"prod-eu\",severity=\"critical\",tenant=\"acme\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("driftfabric_watch_healthy{", metrics, StringComparison.Ordinal);
        Assert.Contains("orleans_", metrics, StringComparison.Ordinal);
        var paths = document!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/tenants/{tenant}/events", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/clusters/{cluster}/services/{namespace}/{service}/history", paths);
    }

    [Fact]
    public async Task Server_sent_events_replay_the_log_and_resume_after_the_last_event_id()
    {
        var (_, tenant) = await api.GetAsync("/api/v1/tenants/acme", ApiSilo.AllTenants);
        var last = (long)tenant!["lastSequence"]!;
        Assert.True(last >= 4, $"acme has {last} events");

        var replay = await ReadEventsAsync("/api/v1/tenants/acme/events?after=0", null, (int)last);
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), replay.Select(e => e.EventId));
        Assert.All(replay, e => Assert.Contains(e.EventType, new[] { "opened", "changed", "resolved" }));
        Assert.Equal(replay[0].EventId, JsonNode.Parse(replay[0].Data)!["sequence"]!.ToString());

        // The connection drops after the second event: the browser reconnects with Last-Event-ID 2.
        var resumed = await ReadEventsAsync("/api/v1/tenants/acme/events", "2", (int)last - 2);
        Assert.Equal(replay.Skip(2).Select(e => (e.EventId, e.Data)), resumed.Select(e => (e.EventId, e.Data)));
    }

    [Fact]
    public async Task An_open_event_stream_gets_a_new_drift_as_it_happens()
    {
        // A stream opened without a cursor tails from now.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants/globex/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiSilo.AllTenants);
        using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = SseParser.Create(stream).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        var next = events.MoveNextAsync().AsTask();

        var live = Path.Combine(api.Fleet.Root, "globex", "payments-prod", "live.json");
        var list = JsonNode.Parse(await File.ReadAllTextAsync(live))!;
        var ledger = list["items"]!.AsArray().Single(i => (string?)i!["kind"] == "Deployment" && (string?)i["metadata"]!["name"] == "ledger")!;
        ledger["spec"]!["replicas"] = 9;
        await File.WriteAllTextAsync(live, list.ToJsonString());

        Assert.True(await next);
        var e = JsonNode.Parse(events.Current.Data)!;
        Assert.Equal(("opened", "apps/Deployment/payments/ledger", "/spec/replicas"), (events.Current.EventType, (string?)e["drift"]!["resource"], (string?)e["drift"]!["path"]));
        await events.DisposeAsync();
    }

    private async Task<List<SseItem<string>>> ReadEventsAsync(string path, string? lastEventId, int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiSilo.AllTenants);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            items.Add(item);
            if (items.Count == count)
            {
                break;
            }
        }

        return items;
    }
}

/// <summary>The embedded default with no token configured makes one and prints it, once, with the API's address.</summary>
public sealed class GeneratedTokenTests
{
    [Fact]
    public async Task Without_configured_tokens_the_silo_prints_the_api_address_and_a_token_that_works()
    {
        using var fleet = TempFleet.FromExamples();
        await using var silo = SiloProcess.Start("--fleet", fleet.SpecPath);

        var line = await silo.WaitForLineAsync("api: ");
        await silo.WaitForLineAsync("Watching desired and live sources");

        var match = System.Text.RegularExpressions.Regex.Match(line, "^api: (http://127\\.0\\.0\\.1:\\d+) token: (\\S{20,})$");
        Assert.True(match.Success, line);
        Assert.Equal(silo.ApiUri.ToString().TrimEnd('/'), match.Groups[1].Value);
        using var http = new HttpClient { BaseAddress = silo.ApiUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", match.Groups[2].Value);
        using var tenants = await http.GetAsync("/api/v1/tenants");
        Assert.Equal(HttpStatusCode.OK, tenants.StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", match.Groups[2].Value + "x");
        using var wrong = await http.GetAsync("/api/v1/tenants");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Single(silo.Output, l => l.Contains(match.Groups[2].Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_port_already_taken_is_one_clear_line_and_a_failed_start()
    {
        using var fleet = TempFleet.FromExamples();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var silo = SiloProcess.Start("--fleet", fleet.SpecPath, "--api-port", port);

        var error = await silo.WaitForLineAsync("api: cannot listen on");
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Equal(1, await silo.ExitCodeAsync());
    }
}

/// <summary>What the API answers when it fails itself (nothing a test can make a running silo do on purpose): its exception handler.</summary>
public sealed class ApiFailureTests
{
    [Fact]
    public async Task A_failure_is_a_500_problem_that_names_nothing_of_the_silo_and_is_logged_once()
    {
        await using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Response.Body = new MemoryStream();
        var logger = new Lines();
        var failure = new InvalidOperationException("redis 10.0.4.17:6379 unreachable, password=hunter2, tenant globex");

        var handled = await new DriftFabric.Silo.Api.ApiExceptionHandler(logger).TryHandleAsync(http, failure, CancellationToken.None);

        Assert.True(handled);
        Assert.Equal((500, "application/problem+json"), (http.Response.StatusCode, http.Response.ContentType));
        var problem = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray()))!;
        Assert.Equal((500, "the silo failed to answer this request; its log says why (look for the traceId)"), ((int?)problem["status"], (string?)problem["detail"]));
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.DoesNotContain("10.0.4.17", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("globex", problem.ToJsonString(), StringComparison.Ordinal);
        var logged = Assert.Single(logger.Entries);
        Assert.Equal((LogLevel.Error, failure), (logged.Level, logged.Exception));
        Assert.Contains((string)problem["traceId"]!, logged.Message, StringComparison.Ordinal);
    }

    private sealed class Lines : ILogger<DriftFabric.Silo.Api.ApiExceptionHandler>
    {
        public List<(LogLevel Level, Exception? Exception, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception, formatter(state, exception)));
    }
}

/// <summary>Telemetry leaves the silo over OTLP when the standard environment variables say where.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Metrics_and_traces_are_exported_over_otlp_http_when_configured()
    {
        using var fleet = TempFleet.FromExamples();
        await using var collector = await WebhookReceiver.StartAsync("/v1/{signal}");
        await using var silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            },
            "--fleet",
            fleet.SpecPath);
        await silo.WaitForLineAsync("Watching desired and live sources");

        await Eventually.HoldsAsync(
            () => Task.FromResult(HasExport("/v1/metrics", "driftfabric.drifts.open") && HasExport("/v1/traces", "driftfabric.service.judge")),
            () => Task.FromResult($"received: {string.Join(", ", collector.Received.Select(r => r.Path))}"));

        bool HasExport(string path, string name) => collector.Received.Any(r => r.Path == path
            && r.Headers["Content-Type"].StartsWith("application/x-protobuf", StringComparison.Ordinal)
            && System.Text.Encoding.UTF8.GetString(r.Body).Contains(name, StringComparison.Ordinal));
    }
}

/// <summary>What the silo process writes to its log for a request it refuses.</summary>
[Collection(ApiSiloTests.Name)]
public sealed class ApiLogTests(ApiSilo api)
{
    [Theory]
    [InlineData("?after=-5", null, "after=-5 is below 0: events are numbered from 1")]
    [InlineData("?after=-1", null, "after=-1 is below 0: events are numbered from 1")]
    [InlineData("?after=abc", null, "after is not an event sequence number")]
    [InlineData("?after=99999999999999999999", null, "after is not an event sequence number")]
    [InlineData("?after=9223372036854775807", null, "after=9223372036854775807 is past the last event of tenant acme (")]
    [InlineData("", "9223372036854775807", "Last-Event-ID: 9223372036854775807 is past the last event of tenant acme (")]
    [InlineData("?after=1", "-5", "Last-Event-ID: -5 is below 0")]
    [InlineData("", "abc", "Last-Event-ID is not an event sequence number")]
    public async Task An_invalid_event_cursor_is_a_400_problem_logged_once_and_never_retried(string query, string? lastEventId, string detail)
    {
        var headers = lastEventId is null ? [] : new[] { ("Last-Event-ID", lastEventId) };
        var (status, mediaType, problem) = await api.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme/events" + query, ApiSilo.AllTenants, null, headers);

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (status, mediaType));
        Assert.StartsWith(detail, (string?)problem!["detail"], StringComparison.Ordinal);

        // Once the line of a later refusal is out, so is every line this request wrote: one, short (no stack trace).
        var traceId = (string)problem["traceId"]!;
        var (_, _, later) = await api.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme/events?after=-2", ApiSilo.AllTenants, null);
        var laterTrace = (string)later!["traceId"]!;
        await Eventually.HoldsAsync(
            () => Task.FromResult(api.Silo.Output.Any(l => l.Contains(laterTrace, StringComparison.Ordinal))),
            () => Task.FromResult("no log line of the later refusal"));
        var lines = api.Silo.Output.Where(l => l.Contains(traceId, StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains(detail, line, StringComparison.Ordinal);
        Assert.True(line.Length < 400, line);
    }
}
