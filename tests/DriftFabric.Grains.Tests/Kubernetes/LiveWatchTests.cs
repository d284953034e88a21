using System.Text.Json.Nodes;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Testing;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Tests.Kubernetes;

/// <summary>Clusters watched through the real KubernetesClient against in-process API servers.</summary>
[Collection(FabricTests.Name)]
public sealed class LiveWatchTests(FabricFixture fabric) : IAsyncLifetime
{
    private KubeApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(200);
    }

    public async Task DisposeAsync()
    {
        foreach (var events in _collectors)
        {
            await events.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    private readonly List<EventCollector> _collectors = [];

    private static string Desired => Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredConfigMap("web-config", "shop", "web");

    /// <summary>A one-cluster fleet watching <see cref="_server"/>, with the cluster already applied as the code says.</summary>
    private async Task<(TempFleet Fleet, EventCollector Events, IClusterGrain Cluster)> StartAsync(string tenant)
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        _server.Put(Objects.ConfigMap("web-config", "shop", "web", manager: Objects.Applied));
        var fleet = TempFleet.Single(tenant);
        fleet.Write("desired/app.yaml", Desired);
        fleet.WatchLive(_server.KubeConfig());
        var events = await EventCollector.SubscribeAsync(fabric.Client, tenant);
        _collectors.Add(events);
        var result = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        Assert.Empty(result.Errors);
        Assert.Equal(SourceState.Ok, result.Tenants[0].Clusters[0].Status.State);
        Assert.Equal(0, result.Tenants[0].Summary.Drifts);
        return (fleet, events, fabric.Client.GetGrain<IClusterGrain>($"{tenant}/prod"));
    }

    [Fact]
    public async Task A_kubectl_edit_reaches_a_subscriber_as_a_drift_event_and_putting_it_back_resolves_it()
    {
        var (fleet, events, _) = await StartAsync("watch-edit");
        using var _ = fleet;
        await using var __ = events;

        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 5, "kubectl-edit");
        var opened = await events.ReadOneAsync();
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 2, "kubectl-edit");
        var resolved = await events.ReadOneAsync();

        Assert.Equal((DriftEventType.Opened, "/spec/replicas", "2", "5", "kubectl-edit"), (opened.Type, opened.Drift.Path, opened.Drift.Desired, opened.Drift.Live, opened.Drift.Manager));
        Assert.Equal((DriftEventType.Resolved, "/spec/replicas"), (resolved.Type, resolved.Drift.Path));
        var history = await fabric.Client.GetGrain<IServiceGrain>("watch-edit/prod/shop/web").GetHistory();
        Assert.Equal([DriftEventType.Opened, DriftEventType.Resolved], history.Select(h => h.Type));
    }

    [Fact]
    public async Task Objects_deleted_or_created_by_hand_are_missing_or_unmanaged_until_put_back()
    {
        var (fleet, events, _) = await StartAsync("watch-create");
        using var _ = fleet;
        await using var __ = events;

        _server.Delete("v1", "ConfigMap", "shop", "web-config");
        var missing = await events.ReadOneAsync();
        _server.Put(Objects.ConfigMap("debug-flags", "shop", "web"), manager: "kubectl-create");
        var unmanaged = await events.ReadOneAsync();
        _server.Put(Objects.ConfigMap("web-config", "shop", "web", manager: Objects.Applied));
        _server.Delete("v1", "ConfigMap", "shop", "debug-flags");
        var resolved = new[] { await events.ReadOneAsync(), await events.ReadOneAsync() };

        Assert.Equal(("core/ConfigMap/shop/web-config", DriftKind.Missing, DriftEventType.Opened), (missing.Drift.Resource, missing.Drift.Kind, missing.Type));
        Assert.Equal(("core/ConfigMap/shop/debug-flags", DriftKind.Unmanaged, "kubectl-create"), (unmanaged.Drift.Resource, unmanaged.Drift.Kind, unmanaged.Drift.Manager));
        Assert.All(resolved, e => Assert.Equal(DriftEventType.Resolved, e.Type));
    }

    [Fact]
    public async Task A_service_added_to_the_code_takes_over_its_live_objects_without_reading_them_as_missing()
    {
        var (fleet, events, cluster) = await StartAsync("watch-new-service");
        using var _ = fleet;
        await using var __ = events;
        _server.Put(Objects.Deployment("api", "shop", 1, "api:1"), manager: "kubectl-create");
        var unmanaged = await events.ReadOneAsync();

        // The code now declares what runs: the object moves from the catch-all to its own service, in sync.
        fleet.Write("desired/api.yaml", Objects.DesiredDeployment("api", "shop", 1, "api:1"));
        await cluster.Reload();
        var resolved = await events.ReadOneAsync();

        Assert.Equal(("apps/Deployment/shop/api", DriftKind.Unmanaged, DriftEventType.Opened), (unmanaged.Drift.Resource, unmanaged.Drift.Kind, unmanaged.Type));
        Assert.Equal((unmanaged.Service, unmanaged.Drift.Resource, DriftEventType.Resolved), (resolved.Service, resolved.Drift.Resource, resolved.Type));
        var api = fabric.Client.GetGrain<IServiceGrain>("watch-new-service/prod/shop/api");
        await Eventually.HoldsAsync(async () => (await api.GetSummary()).Resources == 1, async () => $"shop/api holds {await api.GetSummary()}", TimeSpan.FromSeconds(30));
        Assert.Empty(await api.GetDrifts());
        Assert.Equal(0, (await cluster.GetSummary()).Summary.Drifts);
    }

    [Fact]
    public async Task A_status_only_update_costs_no_grain_call()
    {
        var (fleet, events, _) = await StartAsync("watch-status");
        using var _ = fleet;
        await using var __ = events;
        var service = fabric.Client.GetGrain<IServiceGrain>("watch-status/prod/shop/web");
        var before = await service.GetUpdateCounts();

        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["status"] = new JsonObject { ["readyReplicas"] = 2 }, "kube-controller-manager", subresource: "status");
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 3, "kubectl-scale");
        var e = await events.ReadOneAsync();

        // Only the scale reached the service: the status update before it was dropped at the source.
        Assert.Equal("/spec/replicas", e.Drift.Path);
        Assert.Equal(before.LiveUpdates + 1, (await service.GetUpdateCounts()).LiveUpdates);
    }

    [Fact]
    public async Task After_410_gone_the_watch_relists_and_reconciles_deletions_made_while_it_was_away()
    {
        var (fleet, events, _) = await StartAsync("watch-gone");
        using var _ = fleet;
        await using var __ = events;

        // The watches end and cannot come back while the server stalls; meanwhile objects change
        // and history is compacted, so the re-watch from the old version meets 410 Gone.
        await _server.WhenWatchesSpokeAsync(2);
        using (_server.Stall())
        {
            _server.EndWatches();
            _server.Delete("v1", "ConfigMap", "shop", "web-config");
            _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "web:2-hotfix", "kubectl-set");
            _server.ExpireResourceVersions();
        }

        var seen = new[] { await events.ReadOneAsync(), await events.ReadOneAsync() }.Select(e => $"{e.Type} {e.Drift.Resource}{e.Drift.Path} {e.Drift.Kind}").Order(StringComparer.Ordinal);
        Assert.Equal(["Opened apps/Deployment/shop/web/spec/template/spec/containers[name=web]/image Modified", "Opened core/ConfigMap/shop/web-config Missing"], seen);
        Assert.True(_server.GoneResponses > 0);
    }

    [Fact]
    public async Task A_dropped_connection_relists_and_catches_up()
    {
        var (fleet, events, _) = await StartAsync("watch-drop");
        using var _ = fleet;
        await using var __ = events;

        using (_server.Stall())
        {
            _server.DropWatches();
            _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "kubectl-scale");
        }

        var e = await events.ReadOneAsync();
        Assert.Equal(("/spec/replicas", "7"), (e.Drift.Path, e.Drift.Live));
    }

    [Fact]
    public async Task An_unreachable_cluster_shows_its_error_and_since_when_and_slows_no_other_cluster()
    {
        var (fleet, events, cluster) = await StartAsync("watch-down");
        using var _ = fleet;
        await using var __ = events;
        var dead = TempFleet.Single("watch-dead");
        using var ___ = dead;
        dead.Write("desired/app.yaml", Desired);
        dead.WatchLive(_server.KubeConfig().Replace(_server.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "1", StringComparison.Ordinal));

        var down = await new FleetLoader(fabric.Client).LoadAsync(dead.SpecPath);
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 4, "kubectl-scale");
        var e = await events.ReadOneAsync();

        var status = down.Tenants[0].Clusters[0].Status;
        Assert.Equal(SourceState.Unreachable, status.State);
        Assert.Contains("unreachable", Assert.Single(status.Errors), StringComparison.Ordinal);
        Assert.NotNull(status.Since);
        Assert.Equal(0, down.Tenants[0].Summary.Drifts);
        Assert.Equal("/spec/replicas", e.Drift.Path);
        Assert.Equal(SourceState.Ok, (await cluster.GetSummary()).Status.State);
    }

    [Fact]
    public async Task A_cluster_whose_server_refuses_the_credentials_is_reported_naming_it_while_the_tenants_other_cluster_is_judged()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        _server.Put(Objects.ConfigMap("web-config", "shop", "web", manager: Objects.Applied));
        await using var front = await KubeFront.StartAsync(_server, _ => KubeFront.Unauthorized);
        using var fleet = TempFleet.Single("watch-refused");
        fleet.Write("desired/app.yaml", Desired);
        fleet.Write("kube-ok.yaml", _server.KubeConfig());
        fleet.Write("kube-refused.yaml", front.KubeConfig(_server));
        fleet.Write("driftfabric.yaml", "apiVersion: driftfabric.io/v1alpha1\nkind: Fleet\ntenants:\n- name: watch-refused\n  clusters:\n"
            + "  - name: ok\n    desired: desired\n    live: { kubeconfig: kube-ok.yaml, context: test }\n"
            + "  - name: refused\n    desired: desired\n    live: { kubeconfig: kube-refused.yaml, context: test }\n");
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "watch-refused");

        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 4, "kubectl-scale");
        var e = await events.ReadOneAsync();

        var refused = await fabric.Client.GetGrain<IClusterGrain>("watch-refused/refused").GetSummary();
        Assert.NotEqual(SourceState.Ok, refused.Status.State);
        var error = Assert.Single(refused.Status.Errors);
        Assert.Contains(front.Uri + " answered 401 Unauthorized: its credentials were refused", error, StringComparison.Ordinal);
        Assert.DoesNotContain("test-token", error, StringComparison.Ordinal);
        Assert.Equal(0, refused.Summary.Drifts);
        Assert.Equal(("ok", "/spec/replicas"), (e.Service.Cluster, e.Drift.Path));
        Assert.Equal(SourceState.Ok, (await fabric.Client.GetGrain<IClusterGrain>("watch-refused/ok").GetSummary()).Status.State);
    }

    [Fact]
    public async Task A_kind_the_server_forbids_degrades_the_cluster_naming_it_and_drift_of_the_other_kinds_is_still_reported()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        _server.Put(Objects.ConfigMap("web-config", "shop", "web", manager: Objects.Applied));
        await using var front = await KubeFront.StartAsync(_server, request => request.Contains("/configmaps", StringComparison.Ordinal) ? KubeFront.Forbidden("configmaps", null, "shop") : null);
        using var fleet = TempFleet.Single("watch-forbidden");
        fleet.Write("desired/app.yaml", Desired);
        fleet.WatchLive(front.KubeConfig(_server));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "watch-forbidden");

        var loaded = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        await _server.WhenWatchesSpokeAsync(1);
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 4, "kubectl-scale");
        var e = await events.ReadOneAsync();

        var status = loaded.Tenants[0].Clusters[0].Status;
        Assert.Equal(SourceState.Degraded, status.State);
        var error = Assert.Single(status.Errors);
        Assert.Contains("core/ConfigMap in namespace shop could not be listed: " + front.Uri + " answered 403 Forbidden", error, StringComparison.Ordinal);
        // The forbidden ConfigMap is not judged (not a false Missing); the Deployment's drift is.
        Assert.Equal(0, loaded.Tenants[0].Summary.Drifts);
        Assert.Equal(("apps/Deployment/shop/web", "/spec/replicas", DriftEventType.Opened), (e.Drift.Resource, e.Drift.Path, e.Type));
        Assert.Equal(SourceState.Degraded, (await fabric.Client.GetGrain<IClusterGrain>("watch-forbidden/prod").GetSummary()).Status.State);
    }

    [Fact]
    public async Task Several_clusters_are_watched_at_once_each_by_its_own_grain()
    {
        await using var second = await KubeApiServer.StartAsync();
        await using var third = await KubeApiServer.StartAsync();
        KubeApiServer[] servers = [_server, second, third];
        using var fleet = TempFleet.Single("watch-many");
        fleet.Write("desired/app.yaml", Desired);
        var clusters = new System.Text.StringBuilder();
        for (var i = 0; i < servers.Length; i++)
        {
            servers[i].Put(Objects.Deployment("web", "shop", 2, "web:1"));
            servers[i].Put(Objects.ConfigMap("web-config", "shop", "web", manager: Objects.Applied));
            fleet.Write($"kube{i}.yaml", servers[i].KubeConfig());
            clusters.Append($"  - name: c{i}\n    desired: desired\n    live: {{ kubeconfig: kube{i}.yaml, context: test }}\n");
        }

        fleet.Write("driftfabric.yaml", $"apiVersion: driftfabric.io/v1alpha1\nkind: Fleet\ntenants:\n- name: watch-many\n  clusters:\n{clusters}");
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "watch-many");
        var loaded = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        Assert.Equal(3, loaded.Tenants[0].Clusters.Count(c => c.Status.State == SourceState.Ok));

        for (var i = 0; i < servers.Length; i++)
        {
            var replicas = 10 + i;
            servers[i].Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = replicas, "kubectl-scale");
        }

        var received = new[] { await events.ReadOneAsync(), await events.ReadOneAsync(), await events.ReadOneAsync() };
        Assert.Equal(["c0 10", "c1 11", "c2 12"], received.Select(e => $"{e.Service.Cluster} {e.Drift.Live}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Requests_to_an_api_server_keep_to_the_clusters_qps_and_burst()
    {
        var namespaces = Enumerable.Range(0, 12).Select(i => $"ns{i}").ToList();
        using var fleet = TempFleet.Single("watch-qps");
        fleet.Write("desired/app.yaml", string.Concat(namespaces.Select(ns => Objects.DesiredConfigMap("cfg", ns, "cfg"))));
        fleet.Write("kube.yaml", _server.KubeConfig());
        fleet.Write("driftfabric.yaml", fleet.Read("driftfabric.yaml").Replace("live: { snapshot: live.json }", "live: { kubeconfig: kube.yaml, context: test, qps: 4, burst: 4 }", StringComparison.Ordinal));

        var loaded = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        await _server.WhenWatchesSpokeAsync(namespaces.Count);

        Assert.Equal(SourceState.Ok, loaded.Tenants[0].Clusters[0].Status.State);
        var reads = _server.RequestLog.Where(r => r.Request.Contains("/namespaces/", StringComparison.Ordinal)).Select(r => r.At).Order().ToList();
        Assert.Equal(2 * namespaces.Count, reads.Count);
        var busiestSecond = reads.Max(start => reads.Count(t => t >= start && t < start.AddSeconds(1)));
        Assert.True(busiestSecond <= 4 + 4, $"{busiestSecond} list/watch requests within one second (burst 4, qps 4)");
    }
}
