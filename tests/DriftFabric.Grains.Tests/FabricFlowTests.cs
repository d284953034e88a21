using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests;

[Collection(FabricTests.Name)]
public sealed class FabricFlowTests(FabricFixture fabric)
{
    private FleetLoader Loader => new(fabric.Client);

    [Fact]
    public async Task Example_fleet_rolls_drift_up_from_services_to_clusters_and_tenants()
    {
        using var fleet = TempFleet.FromExamples();

        var result = await Loader.LoadAsync(fleet.SpecPath);

        Assert.Empty(result.Errors);
        var acme = Assert.Single(result.Tenants, t => t.Tenant == "acme");
        Assert.Equal(["prod-eu", "staging"], acme.Clusters.Select(c => c.Cluster));
        Assert.All(acme.Clusters, c => Assert.Equal(SourceState.Ok, c.Status.State));
        var services = string.Join("; ", await Task.WhenAll(acme.Clusters.Select(async c =>
            $"{c.Cluster}: {string.Join(", ", (await fabric.Client.GetGrain<IClusterGrain>($"acme/{c.Cluster}").GetServices()).Select(s => $"{s.Service.Name}={s.Summary.Resources}"))}")));
        Assert.True(
            (26, 8, 2, 4, 2, 0) == (acme.Summary.Resources, acme.Summary.DriftedResources, acme.Summary.Critical, acme.Summary.High, acme.Summary.Medium, acme.Summary.Low),
            $"acme: {acme.Summary} from {string.Join(", ", acme.Clusters.Select(c => $"{c.Cluster} {c.Summary}"))}; services {services}");
        var globex = Assert.Single(result.Tenants, t => t.Tenant == "globex");
        Assert.Equal((11, 3), (globex.Summary.Resources, globex.Summary.DriftedResources));

        var prod = await fabric.Client.GetGrain<IClusterGrain>("acme/prod-eu").GetServices();
        Assert.Equal(["cart", "catalog", "checkout", "frontend", "recommendations", "shop-mesh"], prod.Select(s => s.Service.Name));
        var total = prod.Aggregate(DriftSummary.Empty, (sum, s) => sum + s.Summary);
        Assert.Equal(acme.Clusters[0].Summary, total);

        var cart = await fabric.Client.GetGrain<IServiceGrain>("acme/prod-eu/shop/cart").GetDrifts();
        Assert.Equal(
            ["apps/Deployment/shop/cart /spec/replicas Modified", "core/ConfigMap/shop/debug-flags  Unmanaged"],
            cart.Select(d => $"{d.Resource} {d.Path} {d.Kind}"));
    }

    [Fact]
    public async Task Grain_state_survives_deactivation_and_a_cluster_rebuilds_its_roll_up()
    {
        using var fleet = TempFleet.FromExamples();
        fleet.Write("driftfabric.yaml", fleet.Read("driftfabric.yaml").Replace("- name: acme", "- name: acme-again", StringComparison.Ordinal).Replace("- name: globex", "- name: globex-again", StringComparison.Ordinal));
        var loaded = await Loader.LoadAsync(fleet.SpecPath);
        var tenant = fabric.Client.GetGrain<ITenantGrain>("acme-again");
        var cluster = fabric.Client.GetGrain<IClusterGrain>("acme-again/prod-eu");
        var service = fabric.Client.GetGrain<IServiceGrain>("acme-again/prod-eu/shop/cart");
        var drifts = await service.GetDrifts();

        await fabric.Cluster.DeactivateAsync(service);
        await fabric.Cluster.DeactivateAsync(cluster);
        await fabric.Cluster.DeactivateAsync(tenant);

        Assert.Equal(drifts, await service.GetDrifts());
        var before = loaded.Tenants.Single(t => t.Tenant == "acme-again").Clusters[0];
        var after = await cluster.GetSummary();
        Assert.Equal((before.Summary, before.Status.State), (after.Summary, after.Status.State));
        Assert.Equal(before.Status.Errors, after.Status.Errors);
        Assert.Equal(loaded.Tenants.Single(t => t.Tenant == "acme-again").Summary, (await tenant.GetSummary()).Summary);
    }

    [Fact]
    public async Task Each_service_gets_only_its_own_objects_and_unmanaged_ones_go_to_their_service_or_the_catch_all()
    {
        using var fleet = TempFleet.Single("routing");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredDeployment("api", "shop", 2, "api:1") + Objects.DesiredConfigMap("web-config", "shop", "web"));
        fleet.Write("live.json", Objects.List(
            Objects.Deployment("web", "shop", 2, "web:1"),
            Objects.Deployment("api", "shop", 2, "api:1"),
            Objects.ConfigMap("web-config", "shop", app: "web", manager: Objects.Applied),
            Objects.ConfigMap("web-debug", "shop", app: "web"),
            Objects.ConfigMap("stray", "shop", app: "nobody"),
            Objects.ConfigMap("elsewhere", "billing", app: "web")));

        await Loader.LoadAsync(fleet.SpecPath);

        var services = await fabric.Client.GetGrain<IClusterGrain>("routing/prod").GetServices();
        Assert.Equal(["shop/_unmanaged", "shop/api", "shop/web"], services.Select(s => $"{s.Service.Namespace}/{s.Service.Name}"));
        Assert.Equal(1, services.Single(s => s.Service.Name == "api").Summary.Resources);
        Assert.Equal(3, services.Single(s => s.Service.Name == "web").Summary.Resources);
        var stray = await fabric.Client.GetGrain<IServiceGrain>("routing/prod/shop/_unmanaged").GetDrifts();
        Assert.Equal("core/ConfigMap/shop/stray", Assert.Single(stray).Resource);
        var web = await fabric.Client.GetGrain<IServiceGrain>("routing/prod/shop/web").GetDrifts();
        Assert.Equal(("core/ConfigMap/shop/web-debug", DriftKind.Unmanaged, "kubectl-create"), (Assert.Single(web).Resource, web[0].Kind, web[0].Manager));
    }

    [Fact]
    public async Task Reloading_an_unchanged_fleet_or_snapshot_sends_no_state_changing_call()
    {
        using var fleet = TempFleet.Single("idempotent");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredDeployment("api", "shop", 2, "api:1"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1"), Objects.Deployment("api", "shop", 2, "api:1")));
        var first = await Loader.LoadAsync(fleet.SpecPath);
        var before = await UpdateCounts("idempotent/prod/shop/web", "idempotent/prod/shop/api");

        var second = await Loader.LoadAsync(fleet.SpecPath);
        await fabric.Client.GetGrain<IClusterGrain>("idempotent/prod").Reload();

        Assert.Equal(before, await UpdateCounts("idempotent/prod/shop/web", "idempotent/prod/shop/api"));
        Assert.Equal(first.Tenants[0].LastSequence, second.Tenants[0].LastSequence);
        Assert.Equal(first.Tenants[0].Summary, (await fabric.Client.GetGrain<ITenantGrain>("idempotent").GetSummary()).Summary);

        // Only the service whose objects changed is called.
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1"), Objects.Deployment("api", "shop", 2, "api:1")));
        await fabric.Client.GetGrain<IClusterGrain>("idempotent/prod").Reload();
        var after = await UpdateCounts("idempotent/prod/shop/web", "idempotent/prod/shop/api");
        Assert.Equal(before[0] with { LiveUpdates = before[0].LiveUpdates + 1 }, after[0]);
        Assert.Equal(before[1], after[1]);
    }

    [Fact]
    public async Task A_snapshot_change_streams_exactly_its_transitions_in_order()
    {
        using var fleet = TempFleet.Single("events");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredConfigMap("web-config", "shop", "web"));
        var config = Objects.ConfigMap("web-config", "shop", app: "web", manager: Objects.Applied);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1"), config));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "events");
        var cluster = fabric.Client.GetGrain<IClusterGrain>("events/prod");
        var tenant = fabric.Client.GetGrain<ITenantGrain>("events");
        await Loader.LoadAsync(fleet.SpecPath);
        Assert.Equal(0, (await tenant.GetSummary()).LastSequence);

        // Scaled by hand, and someone left a ConfigMap behind.
        fleet.Write("live.json", Objects.List(
            Objects.Deployment("web", "shop", 6, "web:1", manager: "kubectl-scale", time: "2026-11-20T02:00:00Z"),
            config,
            Objects.ConfigMap("web-debug", "shop", "web")));
        await cluster.Reload();
        var opened = await events.ReadThroughAsync((await tenant.GetSummary()).LastSequence);
        Assert.Equal(
            ["1 Opened apps/Deployment/shop/web /spec/replicas 2->6 kubectl-scale", "2 Opened core/ConfigMap/shop/web-debug  -> kubectl-create"],
            opened.Select(Line));
        Assert.All(opened, e => Assert.Equal(new ServiceId("events", "prod", "shop", "web"), e.Service));
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture), opened[0].Drift.OnsetAt);

        // Scaled again: the same drift changes, keeping its onset.
        fleet.Write("live.json", Objects.List(
            Objects.Deployment("web", "shop", 7, "web:1", manager: "kubectl-scale", time: "2026-11-21T02:00:00Z"),
            config,
            Objects.ConfigMap("web-debug", "shop", "web")));
        await cluster.Reload();
        var changed = Assert.Single(await events.ReadThroughAsync((await tenant.GetSummary()).LastSequence));
        Assert.Equal("3 Changed apps/Deployment/shop/web /spec/replicas 2->7 kubectl-scale", Line(changed));
        Assert.Equal(opened[0].Drift.OnsetAt, changed.Drift.OnsetAt);

        // Put back as the code says: both resolve, and the roll-up is clean again.
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1"), config));
        await cluster.Reload();
        var resolved = await events.ReadThroughAsync((await tenant.GetSummary()).LastSequence);
        Assert.Equal(["4 Resolved", "5 Resolved"], resolved.Select(e => $"{e.Sequence} {e.Type}"));
        Assert.Equal(0, (await tenant.GetSummary()).Summary.Drifts);
    }

    [Fact]
    public async Task A_reader_resumes_from_its_cursor_and_a_waiting_reader_wakes_on_the_next_event()
    {
        using var fleet = TempFleet.Single("feed");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1")));
        var cluster = fabric.Client.GetGrain<IClusterGrain>("feed/prod");
        await Loader.LoadAsync(fleet.SpecPath);
        foreach (var replicas in new[] { 3, 4, 2 })
        {
            fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", replicas, "web:1", manager: "kubectl-scale")));
            await cluster.Reload();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var all = await fabric.Client.ReadEventsAsync("feed", 0, cancellationToken: timeout.Token).Take(3).ToListAsync(timeout.Token);
        Assert.Equal(["1 Opened 3", "2 Changed 4", "3 Resolved 4"], all.Select(e => $"{e.Sequence} {e.Type} {e.Drift.Live}"));

        // A consumer that stopped after event 1 picks up at 2, and then waits for what comes next.
        await using var resumed = fabric.Client.ReadEventsAsync("feed", 1, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Equal(2, resumed.Current.Sequence);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Equal(3, resumed.Current.Sequence);
        // It asks the log for what follows 3 and finds nothing: it has had its chance, and waits.
        var foundNothing = fabric.Log.NothingAfterAsync("feed", 3);
        var next = resumed.MoveNextAsync().AsTask();
        await foundNothing.WaitAsync(timeout.Token);
        Assert.False(next.IsCompleted);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale")));
        await cluster.Reload();
        Assert.True(await next);
        Assert.Equal("4 Opened 5", $"{resumed.Current.Sequence} {resumed.Current.Type} {resumed.Current.Drift.Live}");
    }

    [Fact]
    public async Task A_service_remembers_its_latest_transitions_and_no_more()
    {
        using var fleet = TempFleet.Single("history");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1")));
        await Loader.LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("history/prod");

        // Scaled by hand and back, again and again: two transitions a round.
        const int Rounds = 110;
        for (var round = 0; round < Rounds; round++)
        {
            fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3 + round, "web:1", manager: "kubectl-scale")));
            await cluster.Reload();
            fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1")));
            await cluster.Reload();
        }

        var history = await fabric.Client.GetGrain<IServiceGrain>("history/prod/shop/web").GetHistory();
        Assert.Equal(ServiceHistory.Capacity, history.Count);
        Assert.Equal(DriftEventType.Resolved, history[^1].Type);
        Assert.Equal(("Opened", "kubectl-scale", $"{2 + Rounds}"), (history[^2].Type.ToString(), history[^2].Drift.Manager, history[^2].Drift.Live));
    }

    [Fact]
    public async Task Secret_values_never_reach_grain_state_or_events()
    {
        using var fleet = TempFleet.Single("secrets");
        fleet.Write("desired/app.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: {name: db, namespace: shop, labels: {app.kubernetes.io/name: db}}
            stringData: {password: correct-horse-battery}
            """);
        fleet.Write("live.json", Objects.List(Objects.Secret("db", "shop", "db", "rotated-by-hand-77")));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "secrets");

        var result = await Loader.LoadAsync(fleet.SpecPath);

        var e = Assert.Single(await events.ReadThroughAsync(result.Tenants[0].LastSequence));
        var drifts = await fabric.Client.GetGrain<IServiceGrain>("secrets/prod/shop/db").GetDrifts();
        var config = new ClusterConfig("secrets", "prod", Path.Combine(fleet.Root, "desired"), Path.Combine(fleet.Root, "live.json"), "default", ["app.kubernetes.io/name"], PolicySource.Default, TimeSpan.FromMinutes(1));
        var routed = SnapshotLoad.Read(config, Engine.Comparison.SecretDigest.Hmac(System.Text.Encoding.UTF8.GetBytes(FabricFixture.DigestKey)));
        var everything = string.Join('\n', drifts.Select(d => d.ToString()).Append(e.ToString())
            .Concat(routed.Desired.Values.SelectMany(docs => docs).Concat(routed.Live.Values.SelectMany(docs => docs)).Select(d => d.Text)));

        Assert.Equal(("/data/password", DriftKind.Modified), (e.Drift.Path, e.Drift.Kind));
        // Keyed with the installation key: not the SHA-256 of the value, which anyone could confirm by guessing.
        Assert.Equal($"\"{FabricFixture.Digest("rotated-by-hand-77")}\"", e.Drift.Live);
        Assert.Equal($"\"{FabricFixture.Digest("correct-horse-battery")}\"", e.Drift.Desired);
        Assert.Equal(e.Drift.Live, Assert.Single(drifts).Live);
        Assert.DoesNotContain("sha256:", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("rotated-by-hand-77"u8))[..8], everything, StringComparison.Ordinal);
        foreach (var secret in new[] { "correct-horse-battery", "rotated-by-hand-77", "cm90YXRlZC1ieS1oYW5kLTc3", "Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_broken_snapshot_keeps_the_last_good_state_and_names_the_error()
    {
        using var fleet = TempFleet.Single("broken");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));
        var cluster = fabric.Client.GetGrain<IClusterGrain>("broken/prod");
        var good = await Loader.LoadAsync(fleet.SpecPath);

        fleet.Write("live.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\n\"items\":[{\"kind\": }]}");
        var summary = await cluster.Reload();

        Assert.Equal(SourceState.Degraded, summary.Status.State);
        var error = Assert.Single(summary.Status.Errors);
        Assert.Contains("live.json:2", error, StringComparison.Ordinal);
        Assert.Equal(good.Tenants[0].Clusters[0].Summary, summary.Summary);
        Assert.Single(await fabric.Client.GetGrain<IServiceGrain>("broken/prod/shop/web").GetDrifts());
        Assert.Equal(good.Tenants[0].LastSequence, (await fabric.Client.GetGrain<ITenantGrain>("broken").GetSummary()).LastSequence);
    }

    [Fact]
    public async Task A_cluster_picks_up_a_changed_snapshot_on_its_own()
    {
        using var fleet = TempFleet.Single("polling");
        fleet.Write("driftfabric.yaml", fleet.Read("driftfabric.yaml").Replace("pollInterval: 10m", "pollInterval: 200ms", StringComparison.Ordinal));
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1")));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "polling");
        await Loader.LoadAsync(fleet.SpecPath);

        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:2-hotfix", manager: "kubectl-set")));

        var e = await events.ReadOneAsync();
        Assert.Equal(("/spec/template/spec/containers[name=web]/image", DriftEventType.Opened, Severity.High), (e.Drift.Path, e.Type, e.Drift.Severity));
    }

    private async Task<ServiceUpdateCounts[]> UpdateCounts(params string[] services) =>
        await Task.WhenAll(services.Select(s => fabric.Client.GetGrain<IServiceGrain>(s).GetUpdateCounts()));

    private static string Line(DriftEvent e) =>
        $"{e.Sequence} {e.Type} {e.Drift.Resource} {e.Drift.Path} {e.Drift.Desired}->{e.Drift.Live} {e.Drift.Manager}";
}
