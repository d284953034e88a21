using DriftFabric.Sources.Kubernetes;
using k8s;
using Microsoft.Extensions.Time.Testing;

namespace DriftFabric.Sources.Tests.Kubernetes;

/// <summary>A one-time listing (what <c>check --context</c> reads): paged, and within its request budget on the clock it is given.</summary>
public sealed class KubeListerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.BaseUri.ToString() });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Each_page_past_the_burst_waits_for_the_clock_to_give_the_budget_back()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            _server.Put(Objects.ConfigMap(name, "shop", "web"));
        }

        await using var budget = new RequestBudget(qps: 1, burst: 1, _time);

        // Discovery takes the one token; each page of one object then waits a second of the fake clock.
        var listing = KubeLister.ListAsync(_client, new LiveScope([("core", "ConfigMap")], ["shop"]), pageSize: 1, budget, null, CancellationToken.None);
        var pagesSeen = new List<int>();
        for (var second = 0; second < 3; second++)
        {
            // The page before has reached the server (its request took the token and left the
            // queue), and the next one waits: only the clock can let it through.
            var sent = second;
            await Eventually.ReachAsync(() => (Pages(), budget.Waiting), at => at == (sent, 1));
            pagesSeen.Add(Pages());
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Only a listing that never ends meets this limit; it fails the test rather than timing it.
        var result = await listing.WaitAsync(Eventually.Patience);

        Assert.Equal([0, 1, 2], pagesSeen);
        Assert.Equal(3, Pages());
        Assert.Equal(["a", "b", "c"], result.Objects.Select(o => o.Name));
        Assert.Empty(result.Errors);
        Assert.All(result.Objects, o => Assert.NotNull(o.Metadata?["managedFields"]));
    }

    [Fact]
    public async Task A_core_kind_the_watch_does_not_follow_is_listed_all_the_same()
    {
        await using var server = await KubeApiServer.StartAsync([.. KubeResourceType.Defaults, new(string.Empty, "v1", "ResourceQuota", "resourcequotas")]);
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.BaseUri.ToString() });
        server.Put("""{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"compute","namespace":"shop"},"spec":{"hard":{"cpu":"20"}}}""");
        await using var budget = new RequestBudget(qps: 100, burst: 100, _time);

        var result = await KubeLister.ListAsync(client, new LiveScope([("core", "ResourceQuota")], ["shop"]), pageSize: 500, budget, null, CancellationToken.None);

        Assert.Empty(result.Errors);
        var quota = Assert.Single(result.Objects);
        Assert.Equal("compute", quota.Name);
        Assert.Equal("ResourceQuota", quota.Kind);
    }

    private int Pages() => _server.RequestLog.Count(r => r.Request.StartsWith("/api/v1/namespaces/shop/configmaps", StringComparison.Ordinal));
}
