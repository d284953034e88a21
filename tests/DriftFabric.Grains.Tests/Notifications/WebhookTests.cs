using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Notifications;

namespace DriftFabric.Grains.Tests.Notifications;

/// <summary>Webhooks of the fleet spec delivering to a real HTTP receiver on loopback: signatures, formats, filters, retries, and detection that never waits.</summary>
[Collection(FabricTests.Name)]
public sealed class WebhookTests(FabricFixture fabric) : IAsyncLifetime
{
    internal const string KeyVariable = "DRIFTFABRIC_TEST_WEBHOOK_KEY";
    internal const string Key = "test-signing-key-0123456789";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(KeyVariable, Key);
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_drift_is_posted_as_json_signed_with_hmac_sha256()
    {
        using var fleet = Fleet("hooks-json", "format: json");

        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var deliveries = await _receiver.WaitForAcceptedAsync(2, TimeSpan.FromSeconds(20));

        foreach (var delivery in deliveries)
        {
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), delivery.Body)), delivery.Headers[WebhookSender.SignatureHeader]);
            Assert.Equal("opened", delivery.Headers[WebhookSender.EventHeader]);
        }

        var bodies = deliveries.Select(d => JsonNode.Parse(d.Body)!).OrderBy(b => (long)b["event"]!["sequence"]!).ToList();
        Assert.Equal(["hooks-json-1", "hooks-json-2"], deliveries.Select(d => d.Headers[WebhookSender.DeliveryHeader]).Order());
        var scaled = Assert.Single(bodies, b => (string?)b["event"]!["drift"]!["path"] == "/spec/replicas");
        Assert.True((bool)scaled["skippedReview"]!);
        Assert.Equal("kubectl-scale", (string?)scaled["event"]!["drift"]!["manager"]);
        Assert.Equal("medium drift opened in hooks-json/prod shop/web: apps/Deployment/shop/web /spec/replicas is 5, code says 2; changed by kubectl-scale outside review", (string?)scaled["text"]);
        var image = Assert.Single(bodies, b => ((string?)b["event"]!["drift"]!["path"])!.EndsWith("/image", StringComparison.Ordinal));
        Assert.False((bool)image["skippedReview"]!);
    }

    [Fact]
    public async Task A_slack_webhook_gets_a_text_message_naming_the_manager_and_field()
    {
        using var fleet = Fleet("hooks-slack", "format: slack\n    skippedReview: true");

        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var delivery = Assert.Single(await _receiver.WaitForAcceptedAsync(1, TimeSpan.FromSeconds(20)));

        var message = JsonNode.Parse(delivery.Body)!.AsObject();
        Assert.Equal(["text"], message.Select(p => p.Key));
        Assert.Equal(
            "*medium* drift opened in hooks-slack/prod shop/web: `apps/Deployment/shop/web` `/spec/replicas` is 5, code says 2; changed by *kubectl-scale* outside review",
            (string?)message["text"]);

        // The image drift, written by the pipeline's applier, did not skip review: not sent, once the
        // webhook has passed over both events of the log.
        await PassedOverLogAsync("hooks-slack");
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task Severity_kind_and_transition_filters_pass_only_what_they_name()
    {
        using var fleet = Fleet("hooks-filter", "minSeverity: high\n    kinds: [Modified]\n    events: [opened]");

        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var delivery = Assert.Single(await _receiver.WaitForAcceptedAsync(1, TimeSpan.FromSeconds(20)));

        Assert.EndsWith("/image", (string?)JsonNode.Parse(delivery.Body)!["event"]!["drift"]!["path"], StringComparison.Ordinal);

        // Putting the image back resolves the drift: a transition the filter does not take.
        fleet.Write("live.json", Objects.List(
            Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale"),
            Objects.Deployment("api", "shop", 2, "api:2")));
        await fabric.Client.GetGrain<IClusterGrain>("hooks-filter/prod").Reload();
        await PassedOverLogAsync("hooks-filter");
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task Detection_goes_on_while_a_receiver_hangs_and_a_missing_key_holds_events_back()
    {
        _receiver.Hang = true;
        using var fleet = Fleet("hooks-hang", "skippedReview: true");
        var loader = new FleetLoader(fabric.Client);
        await loader.LoadAsync(fleet.SpecPath);
        await Eventually.HoldsAsync(() => Task.FromResult(_receiver.Received.Count == 1), () => Task.FromResult($"{_receiver.Received.Count} received"));

        // A hand edit while the webhook is stuck is detected and logged all the same.
        fleet.Write("live.json", Objects.List(
            Objects.Deployment("web", "shop", 7, "web:1", manager: "kubectl-scale"),
            Objects.Deployment("api", "shop", 2, "api:1")));
        var before = (await fabric.Client.GetGrain<ITenantGrain>("hooks-hang").GetSummary()).LastSequence;
        await fabric.Client.GetGrain<IClusterGrain>("hooks-hang/prod").Reload();
        Assert.True((await fabric.Client.GetGrain<ITenantGrain>("hooks-hang").GetSummary()).LastSequence > before);

        // Another tenant's webhook whose key is not set sends nothing, and says why.
        using var unkeyed = Fleet("hooks-nokey", "format: json", secretEnv: "DRIFTFABRIC_TEST_UNSET_KEY");
        await loader.LoadAsync(unkeyed.SpecPath);
        var status = fabric.Client.GetGrain<IWebhookGrain>("hooks-nokey/hook");
        var state = await Eventually.ReachAsync(status.GetStatus, s => s.LastError is not null);
        Assert.Contains("DRIFTFABRIC_TEST_UNSET_KEY is not set", state.LastError, StringComparison.Ordinal);
        Assert.Equal((0L, 0L), (state.Cursor, state.Delivered));
        Assert.DoesNotContain(_receiver.Received, r => r.Headers[WebhookSender.DeliveryHeader].StartsWith("hooks-nokey", StringComparison.Ordinal));
    }

    private TempFleet Fleet(string tenant, string webhookFields, string secretEnv = KeyVariable) => HookedFleet(_receiver.Url, tenant, webhookFields, secretEnv);

    /// <summary>One tenant, one cluster: web scaled by hand (kubectl-scale, medium), api on an older image from the pipeline (high).</summary>
    internal static TempFleet HookedFleet(Uri url, string tenant, string webhookFields, string secretEnv = KeyVariable)
    {
        var fleet = TempFleet.Single(tenant, extraSpec: $"""
            notifications:
            - name: hook
              url: {url}
              secretEnv: {secretEnv}
              {webhookFields.Replace("\n    ", "\n  ", StringComparison.Ordinal)}
            """);
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredDeployment("api", "shop", 2, "api:2"));
        fleet.Write("live.json", Objects.List(
            Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale"),
            Objects.Deployment("api", "shop", 2, "api:1")));
        return fleet;
    }

    /// <summary>Waits until the tenant's webhook has passed over every event of its log (a load or reload answers once its events are logged), sent or filtered out.</summary>
    private async Task PassedOverLogAsync(string tenant)
    {
        var last = (await fabric.Client.GetGrain<ITenantGrain>(tenant).GetSummary()).LastSequence;
        var hook = fabric.Client.GetGrain<IWebhookGrain>($"{tenant}/hook");
        Assert.Equal(last, (await Eventually.ReachAsync(hook.GetStatus, s => s.Cursor == last)).Cursor);
    }
}
