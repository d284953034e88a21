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
            await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync("shop", allowWatchBookmarks: true, resourceVersion: "0", onError: _ => { }, cancellationToken: cancel.Token))
            {
            }
        });
        await _server.WhenWatchesSpokeAsync(1);

        _server.DropWatches();
        var dropped = await Record.ExceptionAsync(() => watch.WaitAsync(cancel.Token));
        Assert.True(dropped is HttpRequestException or IOException, $"a dropped watch ends the stream with a connection error, not {dropped}");

        _server.FailNextRequests(1, 500);
        var failure = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListNamespacedConfigMapAsync("shop", cancellationToken: cancel.Token));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, failure.Response.StatusCode);

        Task<k8s.Models.V1ConfigMapList> stalled;
        using (_server.Stall())
        {
            var lists = Lists();
            stalled = _client.CoreV1.ListNamespacedConfigMapAsync("shop", cancellationToken: cancel.Token);
            await Eventually.HoldsAsync(() => Task.FromResult(Lists() > lists), () => Task.FromResult("the list never reached the server"));
            Assert.False(stalled.IsCompleted);
        }

        Assert.Empty((await stalled).Items);
    }

    /// <summary>The lists of ConfigMaps the server has received (held ones too).</summary>
    private int Lists() =>
        _server.RequestLog.Count(r => r.Request.StartsWith("/api/v1/namespaces/shop/configmaps", StringComparison.Ordinal) && !r.Request.Contains("watch=true", StringComparison.Ordinal));

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

    [Fact]
    public async Task A_create_stores_a_new_object_as_an_update_by_its_manager_and_refuses_a_name_taken_with_409_already_exists()
    {
        var body = k8s.KubernetesJson.Deserialize<k8s.Models.V1ConfigMap>(Config);

        var dry = await _client.CoreV1.CreateNamespacedConfigMapAsync(body, "shop", dryRun: "All", fieldManager: "pipeline");
        var absent = _server.Get("v1", "ConfigMap", "shop", "cfg") is null;
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(body, "shop", fieldManager: "pipeline");
        var taken = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.CreateNamespacedConfigMapAsync(body, "shop", dryRun: "All", fieldManager: "other"));

        Assert.Equal(("a", true), (dry.Data["mode"], absent));
        var owner = Assert.Single(created.Metadata.ManagedFields);
        Assert.Equal(("pipeline", "Update"), (owner.Manager, owner.Operation));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, taken.Response.StatusCode);
        var status = JsonDocument.Parse(taken.Response.Content).RootElement;
        Assert.Equal(("AlreadyExists", "configmaps \"cfg\" already exists"), (status.GetProperty("reason").GetString(), status.GetProperty("message").GetString()));
        Assert.Equal(created.Metadata.ResourceVersion, _server.Get("v1", "ConfigMap", "shop", "cfg")!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_json_patch_whose_test_fails_is_a_422_as_the_real_server_words_it_and_changes_nothing()
    {
        var stored = _server.Put(Config);
        var version = stored["metadata"]!["resourceVersion"]!.GetValue<string>();
        string Patch(string testedVersion) => $$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{testedVersion}}"},{"op":"remove","path":"/data/other"}]""";

        var failed = await Assert.ThrowsAsync<HttpOperationException>(() => JsonPatch(Patch("1"), "cfg"));
        var kept = _server.Get("v1", "ConfigMap", "shop", "cfg")!["data"]!["other"] is not null;
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => JsonPatch(Patch(version), "nothing"));
        var patched = await JsonPatch(Patch(version), "cfg");

        Assert.Equal(((System.Net.HttpStatusCode)422, true), (failed.Response.StatusCode, kept));
        var status = JsonDocument.Parse(failed.Response.Content).RootElement;
        Assert.Equal(("Invalid", "the server rejected our request due to an error in our request"), (status.GetProperty("reason").GetString(), status.GetProperty("message").GetString()));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal(["mode"], patched.Data.Keys);
    }

    [Fact]
    public async Task A_change_set_before_the_next_matching_request_happens_once_just_before_it()
    {
        _server.Put(Config);
        var edits = 0;
        var ran = _server.BeforeNext(r => r.IsApply && r.IsRealWrite, () =>
        {
            edits++;
            _server.Edit("v1", "ConfigMap", "shop", "cfg", c => c["data"]!["other"] = "y", "kubectl-edit");
        });

        await _client.CoreV1.ReadNamespacedConfigMapAsync("cfg", "shop");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new k8s.Models.V1Patch(Config, k8s.Models.V1Patch.PatchType.ApplyPatch), "cfg", "shop", fieldManager: "pipeline", dryRun: "All");
        var before = ran.IsCompleted;
        // The edit comes first: the apply meets another manager's value.
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(Config, "pipeline"));
        var forced = await _client.CoreV1.PatchNamespacedConfigMapAsync(new k8s.Models.V1Patch(Config, k8s.Models.V1Patch.PatchType.ApplyPatch), "cfg", "shop", fieldManager: "pipeline", force: true);

        Assert.False(before, "a read and a dry run are not the write the change waits for");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("conflict with \"kubectl-edit\"", JsonDocument.Parse(conflict.Response.Content).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal((1, "x"), (edits, forced.Data["other"]));
    }

    private Task<k8s.Models.V1ConfigMap> JsonPatch(string ops, string name) =>
        _client.CoreV1.PatchNamespacedConfigMapAsync(new k8s.Models.V1Patch(ops, k8s.Models.V1Patch.PatchType.JsonPatch), name, "shop", fieldManager: "driftfabric");

    private Task<k8s.Models.V1ConfigMap> Apply(string json, string manager) =>
        _client.CoreV1.PatchNamespacedConfigMapAsync(new k8s.Models.V1Patch(json, k8s.Models.V1Patch.PatchType.ApplyPatch), "cfg", "shop", fieldManager: manager);
}
