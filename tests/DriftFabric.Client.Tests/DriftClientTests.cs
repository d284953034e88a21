using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Client.Tests;

/// <summary><see cref="DriftClient"/> against a running in-process fabric with the example fleet.</summary>
public sealed class DriftClientTests(ClientFabric fabric) : IClassFixture<ClientFabric>
{
    private static readonly ServiceId Cart = new("acme", "prod-eu", "shop", "cart");

    private IDriftClient Drift => fabric.Drift;

    [Fact]
    public async Task The_fleet_lists_its_tenants_with_their_summaries_and_the_total()
    {
        var fleet = await Drift.GetFleetAsync();

        Assert.Equal(["acme", "globex"], fleet.Tenants.Select(t => t.Tenant));
        Assert.Equal((26, 8), (fleet.Tenants[0].Summary.Resources, fleet.Tenants[0].Summary.DriftedResources));
        Assert.Equal(fleet.Tenants[0].Summary + fleet.Tenants[1].Summary, fleet.Total);
    }

    [Fact]
    public async Task A_tenant_a_cluster_and_a_service_are_summed_from_what_is_below_them()
    {
        var tenant = await Drift.GetTenantAsync("acme");
        var cluster = await Drift.GetClusterAsync("acme", "prod-eu");
        var cart = await Drift.GetServiceAsync(Cart);

        Assert.Equal(["prod-eu", "staging"], tenant.Clusters.Select(c => c.Cluster));
        Assert.Equal(["cart", "catalog", "checkout", "frontend", "recommendations", "shop-mesh"], cluster.Services.Select(s => s.Service.Name));
        Assert.Equal(cluster.Summary.Summary, cluster.Services.Aggregate(DriftSummary.Empty, (sum, s) => sum + s.Summary));
        Assert.Equal(cluster.Services.Single(s => s.Service == Cart).Summary, cart.Summary);
        Assert.Equal(
            ["apps/Deployment/shop/cart /spec/replicas Modified", "core/ConfigMap/shop/debug-flags  Unmanaged"],
            cart.Drifts.Select(d => $"{d.Resource} {d.Path} {d.Kind}"));
    }

    [Fact]
    public async Task Remediation_goes_through_the_client_for_a_service_or_a_cluster_and_names_what_it_does_not_know()
    {
        var service = await Drift.RemediateAsync(new RemediationRequest(Cart, null, RemediationRequest.Revert, DryRun: true, "client-test"));
        var cluster = await Drift.RemediateClusterAsync("acme", "staging", RemediationRequest.Revert, dryRun: true, "client-test");
        var unknown = await Assert.ThrowsAsync<DriftFabricNotFoundException>(() =>
            Drift.RemediateAsync(new RemediationRequest(Cart, "apps/Deployment/shop/basket", RemediationRequest.Revert, DryRun: true, "client-test")));

        // The example fleet is read from snapshots: a revert has nothing to write to, and says so per resource.
        Assert.Equal(["apps/Deployment/shop/cart Skipped", "core/ConfigMap/shop/debug-flags Skipped"], service.Results.Select(r => $"{r.Resource} {r.Outcome}"));
        Assert.Equal(["acme/staging/shop/cart", "acme/staging/shop/checkout"], cluster.Select(r => r.Service.Key));
        Assert.Equal("service acme/prod-eu/shop/cart has no resource apps/Deployment/shop/basket", unknown.Message);
    }

    [Fact]
    public async Task A_service_history_has_its_drifts_opening()
    {
        var history = await Drift.GetHistoryAsync(Cart);

        Assert.Contains(history, t => t.Type == DriftEventType.Opened && t.Drift.Path == "/spec/replicas");
    }

    [Fact]
    public async Task One_resource_has_its_own_drifts_and_none_when_in_sync()
    {
        var deployment = await Drift.GetResourceDriftAsync(Cart, "apps/Deployment/shop/cart");
        var drifted = Assert.Single(deployment);
        Assert.Equal(("/spec/replicas", Severity.Medium), (drifted.Path, drifted.Severity));

        var service = await Drift.GetServiceAsync(new ServiceId("acme", "prod-eu", "shop", "catalog"));
        Assert.Equal(0, service.Summary.DriftedResources);
        Assert.Empty(await Drift.GetResourceDriftAsync(service.Service, "apps/Deployment/shop/catalog"));
    }

    [Theory]
    [InlineData("nobody", "prod-eu", "shop", "cart", "no tenant nobody in the fleet")]
    [InlineData("acme", "moon", "shop", "cart", "no cluster moon in tenant acme")]
    [InlineData("acme", "prod-eu", "shop", "basket", "no service shop/basket in cluster acme/prod-eu")]
    public async Task Unknown_names_are_a_clear_not_found(string tenant, string cluster, string ns, string name, string message)
    {
        var e = await Assert.ThrowsAsync<DriftFabricNotFoundException>(() => Drift.GetServiceAsync(new ServiceId(tenant, cluster, ns, name)));
        Assert.Equal(message, e.Message);
        await Assert.ThrowsAsync<DriftFabricNotFoundException>(() => Drift.GetResourceDriftAsync(Cart, "apps/Deployment/shop/basket"));
        await Assert.ThrowsAsync<DriftFabricNotFoundException>(async () =>
        {
            await foreach (var _ in Drift.WatchAsync("nobody"))
            {
            }
        });
    }

    [Fact]
    public async Task Watching_resumes_after_the_last_event_seen_each_event_once_in_order()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var tenant = await Drift.GetTenantAsync("acme");
        var all = await Take(Drift.WatchAsync("acme", 0, cancellationToken: timeout.Token), (int)tenant.LastSequence);
        Assert.Equal(Enumerable.Range(1, (int)tenant.LastSequence).Select(i => (long)i), all.Select(e => e.Sequence));

        // A consumer that processed the first three comes back and gets the rest, from the fourth.
        var resumed = await Take(Drift.WatchAsync("acme", 3, cancellationToken: timeout.Token), all.Count - 3);
        Assert.Equal(all.Skip(3), resumed);
    }

    [Fact]
    public async Task A_cursor_below_zero_or_past_the_last_event_is_out_of_range_at_once_and_not_retried()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var last = (await Drift.GetTenantAsync("acme")).LastSequence;

        var negative = Assert.Throws<DriftEventCursorOutOfRangeException>(() => Drift.WatchAsync("acme", -1, cancellationToken: timeout.Token));
        var feedNegative = Assert.Throws<DriftEventCursorOutOfRangeException>(() => fabric.Cluster.Client.ReadEventsAsync("acme", -5, cancellationToken: timeout.Token));
        var retried = 0;
        var past = await Assert.ThrowsAsync<DriftEventCursorOutOfRangeException>(async () =>
        {
            await foreach (var _ in fabric.Cluster.Client.ReadEventsAsync("acme", last + 1000, _ => retried++, timeout.Token))
            {
            }
        });

        Assert.IsAssignableFrom<ArgumentOutOfRangeException>(negative);
        Assert.Equal("tenant acme: -1 is not a cursor: events are numbered from 1 (0 reads from the start)", negative.Message);
        Assert.Equal(-5, feedNegative.Cursor);
        Assert.Equal((last + 1000, last, 0), (past.Cursor, past.Last, retried));
        Assert.Equal($"tenant acme: cursor {last + 1000} is past the last event of the log ({last}); 0 reads from the start", past.Message);
        Assert.False(timeout.IsCancellationRequested, "a cursor past the end must not wait out the long poll");
    }

    [Fact]
    public async Task A_filter_passes_only_the_clusters_severities_and_transitions_asked_for()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var tenant = await Drift.GetTenantAsync("acme");
        var all = await Take(Drift.WatchAsync("acme", 0, cancellationToken: timeout.Token), (int)tenant.LastSequence);
        var filter = new DriftEventFilter(Clusters: ["prod-eu"], MinSeverity: Severity.High);
        var expected = all.Where(e => e.Service.Cluster == "prod-eu" && e.Drift.Severity >= Severity.High).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < all.Count, "the filter must reject something for the test to mean anything");

        var filtered = await Take(Drift.WatchAsync("acme", 0, filter, timeout.Token), expected.Count);

        Assert.Equal(expected, filtered);
    }

    [Fact]
    public async Task A_watcher_sees_a_new_drift_as_it_happens()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var before = (await Drift.GetTenantAsync("globex")).LastSequence;
        await using var watch = Drift.WatchAsync("globex", before, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
        var next = watch.MoveNextAsync().AsTask();

        // Someone scales a globex Deployment by hand: the cluster's next reload sees it.
        var snapshot = Directory.EnumerateFiles(Path.Combine(fabric.Fleet.Root, "globex"), "*.json", SearchOption.AllDirectories).First();
        var live = File.ReadAllText(snapshot);
        var replicas = System.Text.RegularExpressions.Regex.Match(live, "\"replicas\": ?(\\d+)");
        Assert.True(replicas.Success, "the globex snapshot declares replicas");
        File.WriteAllText(snapshot, live.Remove(replicas.Groups[1].Index, replicas.Groups[1].Length).Insert(replicas.Groups[1].Index, "17"));
        var clusters = (await Drift.GetTenantAsync("globex")).Clusters;
        await Task.WhenAll(clusters.Select(c => fabric.Cluster.Client.GetGrain<IClusterGrain>(ClusterKeys.Of("globex", c.Cluster)).Reload()));

        Assert.True(await next);
        Assert.Equal(before + 1, watch.Current.Sequence);
        Assert.Equal("globex", watch.Current.Tenant);
    }

    private static async Task<List<DriftEvent>> Take(IAsyncEnumerable<DriftEvent> events, int count)
    {
        var taken = new List<DriftEvent>();
        if (count == 0)
        {
            return taken;
        }

        await foreach (var e in events)
        {
            taken.Add(e);
            if (taken.Count == count)
            {
                break;
            }
        }

        return taken;
    }
}
