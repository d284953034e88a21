using System.Collections.Concurrent;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources.Kubernetes;

namespace DriftFabric.Sources.Tests.Kubernetes;

/// <summary>The watch source with the real KubernetesClient (through the kubeconfig the factory reads) against the simulated API server.</summary>
public sealed class KubernetesWatchSourceTests : IAsyncLifetime
{
    private static readonly LiveScope Shop = new([("apps", "Deployment")], ["shop"]);

    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<LiveChange> _changes = new();
    private KubeApiServer _server = null!;
    private KubernetesWatchSource _source = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        _source = SourceFor(_dir.Write("kubeconfig", _server.KubeConfig()));
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task It_lists_the_declared_kinds_in_their_namespaces_then_streams_their_changes()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1", "web"));
        _server.Put(Objects.Deployment("other", "elsewhere", 1, "other:1", "other"));
        _server.Put(Objects.ConfigMap("cfg", "shop", "web"));

        var listing = await Follow(Shop);
        await _server.WhenWatchesSpokeAsync(1);
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 5, "kubectl-edit");
        var change = await Eventually.ReachAsync(() => _changes.FirstOrDefault(), c => c is not null);

        Assert.Null(listing.Unreachable);
        Assert.Equal(["apps/Deployment/shop/web"], listing.Objects.Select(o => o.Key));
        Assert.Equal("apps/Deployment/shop/web", change!.Key);
        Assert.Equal("5", ((DriftFabric.Engine.Model.ScalarNode)change.Object!.GetMap("spec")!["replicas"]!).Text);
        Assert.True(_source.Running);
        Assert.Equal(new WatchedTarget("apps", "v1", "Deployment", "deployments", true, "shop"), _source.TargetOf(Key("apps/Deployment/shop/web")));
        Assert.Null(_source.TargetOf(Key("apps/Deployment/elsewhere/other")));
    }

    [Fact]
    public async Task A_stream_that_covers_the_scope_is_kept_and_a_new_scope_or_a_relist_lists_again()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1", "web"));
        await Follow(Shop);

        var same = await Follow(Shop);
        var relisted = await Follow(Shop, relist: true);
        var wider = await Follow(Shop with { Kinds = [("apps", "Deployment"), ("core", "ConfigMap")] });

        Assert.True(same.IsUnchanged);
        Assert.False(relisted.IsUnchanged);
        Assert.Single(relisted.Objects);
        Assert.False(wider.IsUnchanged);
    }

    [Fact]
    public async Task An_api_server_that_cannot_be_reached_is_named_and_nothing_runs()
    {
        var port = LoopbackPorts.Free();
        await using var source = SourceFor(_dir.Write("dead", _server.KubeConfig().Replace(_server.BaseUri.Authority, $"127.0.0.1:{port}", StringComparison.Ordinal)));

        var listing = await source.FollowAsync(Shop, relist: false, _ => Task.CompletedTask, _ => Task.CompletedTask);

        Assert.StartsWith("live prod: unreachable: ", listing.Unreachable, StringComparison.Ordinal);
        Assert.Empty(listing.Objects);
        Assert.False(source.Running);
    }

    [Fact]
    public async Task A_kind_the_server_does_not_serve_is_an_error_naming_it_and_the_rest_is_listed()
    {
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1", "web"));

        var listing = await Follow(Shop with { Kinds = [("apps", "Deployment"), ("example.com", "Widget")] });

        Assert.Equal(["apps/Deployment/shop/web"], listing.Objects.Select(o => o.Key));
        Assert.Contains(listing.Errors, e => e.StartsWith("live ", StringComparison.Ordinal) && e.Contains("Widget", StringComparison.Ordinal));
    }

    private Task<LiveListing> Follow(LiveScope scope, bool relist = false) =>
        _source.FollowAsync(scope, relist, changes =>
        {
            foreach (var change in changes)
            {
                _changes.Enqueue(change);
            }

            return Task.CompletedTask;
        }, _ => Task.CompletedTask);

    private static ResourceKey Key(string text) => ResourceKey.TryParse(text, out var key) ? key : throw new ArgumentException(text);

    private static KubernetesWatchSource SourceFor(string kubeconfig) =>
        new(new KubeClientFactory(), new KubeEndpoint(kubeconfig, null, false, 20, 40), "prod", "test/prod", TimeProvider.System, new ListLogger());
}
