using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Tests.Remediation;

/// <summary>
/// A revert asked of a watched cluster: dry run, then for real through server-side apply; the
/// action is an event on the tenant's stream and in the service's history, and the watch then
/// sees the object back in line.
/// </summary>
[Collection(FabricTests.Name)]
public sealed class RevertFlowTests(FabricFixture fabric) : IAsyncLifetime
{
    private KubeApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(200);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A fleet whose one cluster watches the API server, where the web Deployment runs as its code says.</summary>
    private TempFleet WatchedWeb(string tenant, string extraSpec = "")
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        var fleet = TempFleet.Single(tenant, extraSpec: extraSpec);
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.WatchLive(_server.KubeConfig());
        return fleet;
    }

    [Fact]
    public async Task A_drift_reverted_is_recorded_as_an_action_and_then_resolves_through_the_watch()
    {
        using var fleet = WatchedWeb("revert-flow");
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "revert-flow");
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("revert-flow/prod");
        var service = new ServiceId("revert-flow", "prod", "shop", "web");

        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "kubectl-scale");
        var opened = await events.ReadOneAsync();
        var preview = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Revert, DryRun: true, "test"));
        var untouched = (int)_server.Get("apps/v1", "Deployment", "shop", "web")!["spec"]!["replicas"]!;
        var done = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, "apps/Deployment/shop/web", RemediationRequest.Revert, DryRun: false, "test"));
        // The revert's record and the watch seeing the object back race each other.
        var after = new[] { await events.ReadOneAsync(), await events.ReadOneAsync() }.OrderBy(e => e.Type).ToList();
        var (remediated, resolved) = (after[1], after[0]);

        Assert.Equal((DriftEventType.Opened, "/spec/replicas"), (opened.Type, opened.Drift.Path));
        var would = Assert.Single(preview.Results);
        Assert.Equal((RemediationOutcome.WouldChange, 7), (would.Outcome, untouched));
        Assert.Equal([new FieldChange("/spec/replicas", "7", "2")], would.Changes);
        Assert.Equal(RemediationOutcome.Reverted, Assert.Single(done.Results).Outcome);
        Assert.Equal(2, (int)_server.Get("apps/v1", "Deployment", "shop", "web")!["spec"]!["replicas"]!);
        Assert.Equal((DriftEventType.Remediated, "/spec/replicas"), (remediated.Type, remediated.Drift.Path));
        Assert.Equal(("test", "revert", RemediationOutcome.Reverted), (remediated.Remediation!.Actor, remediated.Remediation.Action, remediated.Remediation.Outcome));
        Assert.Equal((DriftEventType.Resolved, "/spec/replicas"), (resolved.Type, resolved.Drift.Path));
        var history = await fabric.Client.GetGrain<IServiceGrain>(service.Key).GetHistory();
        Assert.Equal(DriftEventType.Opened, history[0].Type);
        Assert.Equal([DriftEventType.Resolved, DriftEventType.Remediated], history.Skip(1).Select(h => h.Type).Order());
    }

    [Fact]
    public async Task A_revert_waiting_on_the_api_server_does_not_hold_up_the_cluster_and_a_second_one_waits_its_turn()
    {
        using var fleet = WatchedWeb("revert-stalled");
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("revert-stalled/prod");
        var web = fabric.Client.GetGrain<IServiceGrain>("revert-stalled/prod/shop/web");
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "kubectl-scale");
        await Eventually.HoldsAsync(async () => (await web.GetDrifts()).Count == 1, () => Task.FromResult("the drift was never seen"));
        var service = new ServiceId("revert-stalled", "prod", "shop", "web");

        Task<RemediationReport> first, second;
        ClusterSummary during;
        using (_server.Stall())
        {
            first = fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Revert, DryRun: false, "test"));
            await Eventually.HoldsAsync(
                () => Task.FromResult(_server.RequestLog.Any(r => r.Request.StartsWith("/apis/apps/v1/namespaces/shop/deployments/web", StringComparison.Ordinal))),
                () => Task.FromResult("the revert never read the object from the API server"));
            second = fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Revert, DryRun: false, "test"));

            // The API server holds the revert: the cluster still answers.
            during = await cluster.GetSummary().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(first.IsCompleted || second.IsCompleted, "the API server holds every request");
        }

        // One at a time: the second found the first's work done (in sync, or already resolved by
        // the watch), and wrote nothing.
        Assert.Equal((1, RemediationOutcome.Reverted), (during.Summary.Drifts, Assert.Single((await first).Results).Outcome));
        Assert.All((await second).Results, r => Assert.Equal(RemediationOutcome.InSync, r.Outcome));
        Assert.Single(_server.RequestLog, r => r.Request.Contains("fieldManager=driftfabric", StringComparison.Ordinal) && !r.Request.Contains("dryRun", StringComparison.Ordinal));
        Assert.Equal(2, (int)_server.Get("apps/v1", "Deployment", "shop", "web")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task An_unmanaged_object_is_left_alone_by_a_revert_and_deleted_only_when_asked()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        _server.Put(Objects.ConfigMap("debug-flags", "shop", "web"), manager: "kubectl-create");
        using var fleet = TempFleet.Single("revert-unmanaged");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredConfigMap("web-config", "shop", "web"));
        fleet.WatchLive(_server.KubeConfig());
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("revert-unmanaged/prod");
        var service = new ServiceId("revert-unmanaged", "prod", "shop", "web");
        const string Flags = "core/ConfigMap/shop/debug-flags";

        var revert = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, Flags, RemediationRequest.Revert, DryRun: false, "test"));
        var kept = _server.Get("v1", "ConfigMap", "shop", "debug-flags") is not null;
        var delete = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, Flags, RemediationRequest.Revert, DryRun: false, "test") { DeleteUnmanaged = true });

        Assert.Equal((RemediationOutcome.Skipped, true), (Assert.Single(revert.Results).Outcome, kept));
        Assert.Contains("deleted only when asked explicitly", revert.Results[0].Message, StringComparison.Ordinal);
        Assert.Equal(RemediationOutcome.Reverted, Assert.Single(delete.Results).Outcome);
        Assert.Null(_server.Get("v1", "ConfigMap", "shop", "debug-flags"));
    }

    [Fact]
    public async Task Unmanaged_secrets_and_config_maps_are_deleted_when_asked_each_with_its_event_and_no_secret_value_anywhere()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        _server.Put(Objects.Secret("web-db", "shop", "web", "in-the-code"));
        _server.Put(Objects.ConfigMap("web-config", "shop", "web"));
        _server.Put(Objects.ConfigMap("debug-flags", "shop", "web"), manager: "kubectl-create");
        _server.Put(Objects.Secret("debug-token", "shop", "web", "hunter2-flow"), manager: "kubectl-create");
        using var fleet = TempFleet.Single("revert-unmanaged-secret");
        // The code declares a ConfigMap and a Secret, so that both are kinds the cluster watches.
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredConfigMap("web-config", "shop", "web") + """
            apiVersion: v1
            kind: Secret
            metadata:
              name: web-db
              namespace: shop
              labels:
                app.kubernetes.io/name: web
            type: Opaque
            stringData:
              password: in-the-code
            ---

            """);
        fleet.WatchLive(_server.KubeConfig());
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("revert-unmanaged-secret/prod");
        var service = new ServiceId("revert-unmanaged-secret", "prod", "shop", "web");
        var web = fabric.Client.GetGrain<IServiceGrain>(service.Key);
        const string Flags = "core/ConfigMap/shop/debug-flags", Token = "core/Secret/shop/debug-token";
        await Eventually.HoldsAsync(
            async () => (await web.GetDrifts()).Where(d => d.Kind == DriftKind.Unmanaged).Select(d => d.Resource).Order(StringComparer.Ordinal).SequenceEqual([Flags, Token]),
            async () => $"the unmanaged objects were never seen: {string.Join(", ", (await web.GetDrifts()).Select(d => $"{d.Resource} {d.Kind}"))}");

        var report = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Revert, DryRun: false, "test") { DeleteUnmanaged = true });

        var results = report.Results.ToDictionary(r => r.Resource);
        Assert.Equal((RemediationOutcome.Reverted, RemediationOutcome.Reverted), (results[Flags].Outcome, results[Token].Outcome));
        Assert.Null(_server.Get("v1", "ConfigMap", "shop", "debug-flags"));
        Assert.Null(_server.Get("v1", "Secret", "shop", "debug-token"));
        var history = await web.GetHistory();
        Assert.Equal([Flags, Token], history.Where(h => h.Type == DriftEventType.Remediated).Select(h => h.Drift.Resource).Order(StringComparer.Ordinal));
        var said = System.Text.Json.JsonSerializer.Serialize(new { report, history });
        foreach (var value in new[] { "hunter2-flow", Convert.ToBase64String("hunter2-flow"u8), "in-the-code", Convert.ToBase64String("in-the-code"u8) })
        {
            Assert.DoesNotContain(value, said, StringComparison.Ordinal);
        }

        // The Secret was compared sealed as the fabric saw it (under its installation key), and found unchanged.
        Assert.DoesNotContain("sha256:", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revert_policy_heals_drift_by_itself_and_leaves_a_resource_alone_once_another_writer_keeps_fighting()
    {
        using var fleet = WatchedWeb("self-heal", "remediation:\n- { kind: apps/Deployment, minSeverity: medium, action: revert, maxReverts: 2, window: 1h, backoff: 100ms }");
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "self-heal");
        var loaded = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        Assert.Empty(loaded.Errors);
        int Replicas() => (int)_server.Get("apps/v1", "Deployment", "shop", "web")!["spec"]!["replicas"]!;

        // Someone scales by hand, twice: each time the policy puts it back.
        var rounds = new List<string>();
        for (var round = 0; round < 2; round++)
        {
            _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "hpa-by-hand");
            var round3 = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var e = await events.ReadOneAsync();
                round3.Add($"{e.Type} {e.Remediation?.Actor} {e.Remediation?.Outcome.ToWire()}".Trim());
            }

            // Opened first; the revert's record and the watch seeing it resolve race each other.
            rounds.AddRange([round3[0], .. round3.Skip(1).Order(StringComparer.Ordinal)]);
        }

        // A third time within the window: contested, left alone, and said so.
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "hpa-by-hand");
        var opened = await events.ReadOneAsync();
        var contested = await events.ReadOneAsync();

        string[] healed = ["Opened", "Remediated policy reverted", "Resolved"];
        // (Ordered: "Remediated..." sorts before "Resolved".)
        Assert.Equal([.. healed, .. healed], rounds);
        Assert.Equal((DriftEventType.Opened, DriftEventType.Remediated, RemediationOutcome.Contested), (opened.Type, contested.Type, contested.Remediation!.Outcome));
        Assert.Contains("another writer keeps changing it", contested.Remediation.Message, StringComparison.Ordinal);
        // The cluster's remediations run one at a time: once they answer a dry run, no revert asked before it is still under way.
        await fabric.Client.GetGrain<IRemediationGrain>("self-heal/prod")
            .Remediate(new RemediationRequest(new ServiceId("self-heal", "prod", "shop", "web"), null, RemediationRequest.Revert, DryRun: true, "test"));
        Assert.Equal(7, Replicas());

        // A person puts it back: the fight is over. When the other writer starts again within the
        // window, the policy looks again, and finds it contested again at once (no revert).
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 2, "kubectl-edit");
        var back = await events.ReadOneAsync();
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "hpa-by-hand");
        var again = new[] { await events.ReadOneAsync(), await events.ReadOneAsync() };

        Assert.Equal(DriftEventType.Resolved, back.Type);
        Assert.Equal(["Opened ", "Remediated contested"], again.Select(e => $"{e.Type} {e.Remediation?.Outcome.ToWire()}"));
        Assert.Equal(7, Replicas());
    }

    [Fact]
    public async Task A_cluster_read_from_a_snapshot_has_nothing_to_write_to_and_says_so()
    {
        using var fleet = TempFleet.Single("revert-snapshot");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale")));
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        var report = await fabric.Client.GetGrain<IRemediationGrain>("revert-snapshot/prod")
            .Remediate(new RemediationRequest(new ServiceId("revert-snapshot", "prod", "shop", "web"), null, RemediationRequest.Revert, DryRun: false, "test"));

        var result = Assert.Single(report.Results);
        Assert.Equal(RemediationOutcome.Skipped, result.Outcome);
        Assert.Contains("read from a snapshot", result.Message, StringComparison.Ordinal);
    }
}
