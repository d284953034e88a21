using System.Text.Json;
using DriftFabric.Testing;
using k8s;
using k8s.Autorest;

namespace DriftFabric.Grains.Tests.Kubernetes;

/// <summary>The in-process API server speaks the protocol the real KubernetesClient expects.</summary>
public sealed class KubeApiServerTests : IAsyncLifetime
{
    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.BaseUri.ToString() });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private const string Config = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"},"data":{"mode":"a","other":"x"}}""";

    [Fact]
    public async Task Discovery_lists_core_and_group_resources()
    {
        var core = await _client.CoreV1.GetAPIResourcesAsync();
        var groups = await _client.Apis.GetAPIVersionsAsync();
        var istio = await _client.CustomObjects.GetAPIResourcesAsync("networking.istio.io", "v1");

        Assert.Contains(core.Resources, r => r.Name == "configmaps" && r.Namespaced && r.Kind == "ConfigMap");
        Assert.Contains(groups.Groups, g => g.Name == "apps" && g.PreferredVersion.Version == "v1");
        Assert.Contains(istio.Resources, r => r.Name == "virtualservices" && r.Kind == "VirtualService");
    }

    [Fact]
    public async Task List_returns_items_and_the_collection_resource_version()
    {
        _server.Put(Config);
        _server.Put(Config.Replace("\"cfg\"", "\"cfg2\"", StringComparison.Ordinal));

        var list = await _client.CoreV1.ListNamespacedConfigMapAsync("shop");

        Assert.Equal(["cfg", "cfg2"], list.Items.Select(i => i.Metadata.Name));
        Assert.Equal(_server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list.Metadata.ResourceVersion);
        Assert.Equal("kubectl-client-side-apply", Assert.Single(list.Items[0].Metadata.ManagedFields).Manager);
    }

    [Fact]
    public async Task Watch_from_a_list_version_streams_changes_with_server_set_managed_fields()
    {
        _server.Put(Config);
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync("shop");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = _client.CoreV1.WatchListNamespacedConfigMapAsync("shop", resourceVersion: list.Metadata.ResourceVersion, allowWatchBookmarks: false, cancellationToken: cancel.Token).GetAsyncEnumerator(cancel.Token);

        _server.Edit("v1", "ConfigMap", "shop", "cfg", o => o["data"]!["mode"] = "b", "kubectl-edit");
        Assert.True(await watch.MoveNextAsync());
        var (type, changed) = watch.Current;
        _server.Delete("v1", "ConfigMap", "shop", "cfg");
        Assert.True(await watch.MoveNextAsync());

        Assert.Equal(WatchEventType.Modified, type);
        Assert.Equal("b", changed.Data["mode"]);
        var edit = Assert.Single(changed.Metadata.ManagedFields, m => m.Manager == "kubectl-edit");
        Assert.Equal("{\"f:data\":{\"f:mode\":{}}}", JsonSerializer.Serialize(edit.FieldsV1));
        Assert.Equal(WatchEventType.Deleted, watch.Current.Item1);
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task Ended_watches_finish_cleanly_after_their_first_line()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Exception? error = null;
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync("shop", resourceVersion: "0", allowWatchBookmarks: true, onError: e => error = e, cancellationToken: cancel.Token))
            {
            }
        });
        await _server.WhenWatchesSpokeAsync(1);

        _server.EndWatches();

        await watch.WaitAsync(cancel.Token);
        Assert.Null(error);
    }

    [Fact]
    public async Task Idle_watches_get_bookmarks()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var (type, bookmark) in _client.CoreV1.WatchListNamespacedConfigMapAsync("shop", resourceVersion: _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), allowWatchBookmarks: true, cancellationToken: cancel.Token))
        {
            Assert.Equal(WatchEventType.Bookmark, type);
            Assert.Equal(_server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmark.Metadata.ResourceVersion);
            break;
        }
    }

    [Fact]
    public async Task Watching_from_an_expired_version_reports_410_through_on_error_and_ends()
    {
        _server.Put(Config);
        var old = _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _server.Put(Config.Replace("\"a\"", "\"c\"", StringComparison.Ordinal));
        _server.ExpireResourceVersions();
        Exception? error = null;
        var events = 0;

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync("shop", resourceVersion: old, onError: e => error = e, cancellationToken: cancel.Token))
        {
            events++;
        }

        Assert.Equal(0, events);
        var gone = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, gone.Status.Code);
    }

    [Fact]
    public async Task Dropped_watches_end_and_failures_and_stalls_are_injected()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync("shop", resourceVersion: "0", onError: _ => { }, cancellationToken: cancel.Token))
            {
            }
        });
        while (_server.OpenWatches == 0)
        {
            await Task.Delay(10, cancel.Token);
        }

        _server.DropWatches();
        var dropped = await Record.ExceptionAsync(() => watch.WaitAsync(cancel.Token));
        Assert.True(dropped is HttpRequestException or IOException, $"a dropped watch ends the stream with a connection error, not {dropped}");

        _server.FailNextRequests(1, 500);
        var failure = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListNamespacedConfigMapAsync("shop", cancellationToken: cancel.Token));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, failure.Response.StatusCode);

        Task<k8s.Models.V1ConfigMapList> stalled;
        using (_server.Stall())
        {
            stalled = _client.CoreV1.ListNamespacedConfigMapAsync("shop", cancellationToken: cancel.Token);
            await Task.Delay(200, cancel.Token);
            Assert.False(stalled.IsCompleted);
        }

        Assert.Empty((await stalled).Items);
    }

    [Fact]
    public async Task Custom_resources_list_and_watch_as_raw_json()
    {
        _server.Put("""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"web","namespace":"shop"},"spec":{"hosts":["web"]}}""");

        var list = (JsonElement)await _client.CustomObjects.ListNamespacedCustomObjectAsync("networking.istio.io", "v1", "shop", "virtualservices");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var (type, item) in _client.CustomObjects.WatchListNamespacedCustomObjectAsync("networking.istio.io", "v1", "shop", "virtualservices", resourceVersion: "0", cancellationToken: cancel.Token))
        {
            Assert.Equal(WatchEventType.Added, type);
            Assert.Equal("web", ((JsonElement)item).GetProperty("spec").GetProperty("hosts")[0].GetString());
            break;
        }

        Assert.Equal("web", list.GetProperty("items")[0].GetProperty("metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Server_side_apply_removes_what_a_manager_applied_before_and_leaves_out_now_unless_another_owns_it()
    {
        await Apply("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"},"data":{"mode":"a","old":"x","shared":"s"}}""", "pipeline");
        await Apply("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"},"data":{"shared":"s"}}""", "helm");

        var next = await Apply("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"},"data":{"mode":"b"}}""", "pipeline");

        Assert.Equal(new Dictionary<string, string> { ["mode"] = "b", ["shared"] = "s" }, next.Data);
        var owners = next.Metadata.ManagedFields.ToDictionary(m => m.Manager, m => JsonSerializer.Serialize(m.FieldsV1));
        Assert.Equal("""{"f:data":{"f:mode":{}}}""", owners["pipeline"]);
        Assert.Equal("""{"f:data":{"f:shared":{}}}""", owners["helm"]);
    }

    private Task<k8s.Models.V1ConfigMap> Apply(string json, string manager) =>
        _client.CoreV1.PatchNamespacedConfigMapAsync(new k8s.Models.V1Patch(json, k8s.Models.V1Patch.PatchType.ApplyPatch), "cfg", "shop", fieldManager: manager);
}
