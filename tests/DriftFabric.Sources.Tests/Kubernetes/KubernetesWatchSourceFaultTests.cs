using System.Collections.Concurrent;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources.Kubernetes;

namespace DriftFabric.Sources.Tests.Kubernetes;

/// <summary>
/// The watch source against a cluster that refuses (401, RBAC's 403 on one kind) or answers
/// garbage, through the loopback responder in front of the simulated API server: each is an
/// error naming the server (never the token), and what can be read is listed and watched.
/// </summary>
public sealed class KubernetesWatchSourceFaultTests : IAsyncLifetime
{
    private static readonly LiveScope DeploymentsAndSecrets = new([("apps", "Deployment"), ("core", "Secret")], ["shop"]);
    private static readonly LiveScope DeploymentsAndConfigMaps = new([("apps", "Deployment"), ("core", "ConfigMap")], ["shop"]);

    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<LiveChange> _changes = new();
    private readonly ConcurrentQueue<string?> _health = new();
    private KubeApiServer _server = null!;
    private KubeFront _front = null!;
    private KubernetesWatchSource _source = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1", "web"));
        _server.Put(Objects.Shop.LiveSecret());
        _server.Put(Objects.ConfigMap("cfg", "shop", "web"));
        _front = await KubeFront.StartAsync(_server);
        _source = new(new KubeClientFactory(), new KubeEndpoint(_dir.Write("kubeconfig", _front.KubeConfig(_server)), null, false, 20, 40), "prod", "test/prod", TimeProvider.System, new ListLogger());
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _front.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_server_that_refuses_the_credentials_is_named_saying_so_and_never_the_token()
    {
        _front.FaultFor = _ => KubeFront.Unauthorized;

        var listing = await Follow(DeploymentsAndSecrets);

        Assert.NotNull(listing.Unreachable);
        Assert.StartsWith("live prod: API discovery failed: ", listing.Unreachable, StringComparison.Ordinal);
        Assert.Contains(_front.Uri + " answered 401 Unauthorized: its credentials were refused", listing.Unreachable, StringComparison.Ordinal);
        Assert.DoesNotContain("test-token", listing.Unreachable, StringComparison.Ordinal);
        Assert.Empty(listing.Objects);
        Assert.False(_source.Running);
    }

    [Fact]
    public async Task A_kind_rbac_forbids_is_an_error_naming_kind_namespace_and_server_and_the_others_are_listed_and_watched()
    {
        _front.FaultFor = request => request.Contains("/secrets", StringComparison.Ordinal) ? KubeFront.Forbidden("secrets", null, "shop") : null;

        var listing = await Follow(DeploymentsAndSecrets);
        await _server.WhenWatchesSpokeAsync(1);
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 5, "kubectl-edit");
        var change = await Eventually.ReachAsync(() => _changes.FirstOrDefault(), c => c is not null);

        Assert.Null(listing.Unreachable);
        Assert.Equal(["apps/Deployment/shop/web"], listing.Objects.Select(o => o.Key));
        var unlisted = Assert.Single(listing.Unlisted);
        Assert.Equal(("core", "Secret", "shop"), (unlisted.Group, unlisted.Kind, unlisted.Namespace));
        Assert.Contains("core/Secret in namespace shop could not be listed: " + _front.Uri + " answered 403 Forbidden", unlisted.Error, StringComparison.Ordinal);
        Assert.Contains("cannot list resource \"secrets\"", unlisted.Error, StringComparison.Ordinal);
        Assert.Equal("apps/Deployment/shop/web", change!.Key);
        Assert.Null(_source.TargetOf(Key("core/Secret/shop/web-db")));
        // The error stands for as long as the stream runs.
        Assert.Equal(listing.Unlisted, (await Follow(DeploymentsAndSecrets)).Unlisted);
    }

    [Fact]
    public async Task Discovery_answered_with_garbage_is_an_error_naming_the_server_and_nothing_runs()
    {
        // The list of API groups: a proxy's error page where it should be.
        _front.FaultFor = request => request.Split('?')[0].TrimEnd('/') == "/apis" ? KubeFront.Garbage : null;

        var listing = await Follow(DeploymentsAndSecrets);

        Assert.NotNull(listing.Unreachable);
        Assert.Contains("API discovery failed: " + _front.Uri + " answered what is not Kubernetes JSON", listing.Unreachable, StringComparison.Ordinal);
        Assert.False(_source.Running);
    }

    [Fact]
    public async Task A_kind_listed_with_garbage_is_an_error_naming_it_the_others_are_watched_and_a_relist_reads_it_once_well()
    {
        _front.FaultFor = request => request.Contains("/configmaps", StringComparison.Ordinal) && !request.Contains("watch=true", StringComparison.Ordinal) ? KubeFront.Garbage : null;

        var listing = await Follow(DeploymentsAndConfigMaps);
        _front.FaultFor = _ => null;
        var relisted = await Follow(DeploymentsAndConfigMaps, relist: true);

        Assert.Equal(["apps/Deployment/shop/web"], listing.Objects.Select(o => o.Key));
        var unlisted = Assert.Single(listing.Unlisted);
        Assert.Contains("core/ConfigMap in namespace shop could not be listed: " + _front.Uri + " answered what is not Kubernetes JSON", unlisted.Error, StringComparison.Ordinal);
        Assert.Empty(relisted.Unlisted);
        Assert.Equal(["apps/Deployment/shop/web", "core/ConfigMap/shop/cfg"], relisted.Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_garbage_line_in_a_watch_is_reported_naming_the_server_and_the_stream_relists_and_goes_on()
    {
        var injected = 0;
        _front.StreamFaultFor = request => request.Contains("/deployments", StringComparison.Ordinal) && Interlocked.Exchange(ref injected, 1) == 0
            ? "<html><body>502 from a load balancer</body></html>"
            : null;

        await Follow(DeploymentsAndConfigMaps);
        var problem = await Eventually.ReachAsync(() => _health.FirstOrDefault(h => h is not null), h => h is not null);
        // Well again: the next event of the re-listed watch says so, and changes stream.
        await Eventually.ReachAsync(() => _health.Count(h => h is null), n => n > 0);
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 7, "kubectl-edit");
        var change = await Eventually.ReachAsync(() => _changes.FirstOrDefault(c => c.Key == "apps/Deployment/shop/web"), c => c is not null);

        Assert.StartsWith("deployments.apps in shop: " + _front.Uri + " answered what is not Kubernetes JSON", problem, StringComparison.Ordinal);
        Assert.Equal("7", ((DriftFabric.Engine.Model.ScalarNode)change!.Object!.GetMap("spec")!["replicas"]!).Text);
    }

    private Task<LiveListing> Follow(LiveScope scope, bool relist = false) =>
        _source.FollowAsync(scope, relist, changes =>
        {
            foreach (var change in changes)
            {
                _changes.Enqueue(change);
            }

            return Task.CompletedTask;
        }, problem =>
        {
            _health.Enqueue(problem);
            return Task.CompletedTask;
        });

    private static ResourceKey Key(string text) => ResourceKey.TryParse(text, out var key) ? key : throw new ArgumentException(text);
}
