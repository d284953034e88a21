using System.Globalization;
using DriftFabric.Cli.Commands;
using DriftFabric.Cli.Tests.Support;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Tests;

/// <summary>
/// <c>check --context</c>: the live state listed from the simulated API server (the real
/// KubernetesClient, through a kubeconfig), paged, and judged as <c>--live</c> is; and what a
/// server that refuses, answers garbage or is gone comes to, through a loopback responder in
/// front of it.
/// </summary>
public sealed class ClusterCheckTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private KubeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await KubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The code: a Deployment and three ConfigMaps in shop. The cluster: the same, the Deployment scaled by hand, and four ConfigMaps nobody declared.</summary>
    private string ShopInCodeAndCluster()
    {
        var desired = new System.Text.StringBuilder(Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1", "web"));
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 6, "kubectl-scale", at: DateTimeOffset.Parse(Objects.EditedAt, CultureInfo.InvariantCulture));
        for (var i = 0; i < 7; i++)
        {
            if (i < 3)
            {
                desired.Append(Objects.DesiredConfigMap($"cfg-{i}", "shop", "web"));
            }

            _server.Put(Objects.ConfigMap($"cfg-{i}", "shop", "web"));
        }

        _server.Put(Objects.ConfigMap("elsewhere", "other", "web"));
        _dir.Write("desired/shop.yaml", desired.ToString());
        return _dir.PathOf("desired");
    }

    private static async Task<CheckRun> CheckAsync(string desired, string kubeconfig, string context = "test", int pageSize = 500, string format = "json", List<string>? progress = null)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var options = new CheckOptions([desired], [], null, format, Severity.Low) { Context = context, Kubeconfig = kubeconfig, PageSize = pageSize };
        var exitCode = await ClusterCheck.RunAsync(options, output, progress is null ? null : progress.Add, CancellationToken.None);
        return new CheckRun(exitCode, output.ToString());
    }

    [Fact]
    public async Task The_cluster_is_listed_in_pages_with_managed_fields_and_judged_as_a_snapshot_is()
    {
        var desired = ShopInCodeAndCluster();
        var kubeconfig = _dir.Write("kubeconfig", _server.KubeConfig());

        var progress = new List<string>();

        var run = await CheckAsync(desired, kubeconfig, pageSize: 3, progress: progress);

        Assert.Empty(run.Errors);
        Assert.Equal(2, run.ExitCode);
        var replicas = run.Drift("apps/Deployment/shop/web", "/spec/replicas");
        Assert.Equal((2, 6), (replicas.GetProperty("desired").GetInt32(), replicas.GetProperty("live").GetInt32()));
        Assert.Equal("kubectl-scale", replicas.GetProperty("manager").GetString());
        Assert.Equal(Objects.EditedAt, replicas.GetProperty("changedAt").GetString());
        Assert.Equal(
            ["core/ConfigMap/shop/cfg-3", "core/ConfigMap/shop/cfg-4", "core/ConfigMap/shop/cfg-5", "core/ConfigMap/shop/cfg-6"],
            run.DriftKeys.Where(d => d.Kind == "Unmanaged").Select(d => d.Resource));
        Assert.Equal(5, run.Drifts.Count);
        // Seven ConfigMaps in shop, three a page: three requests, the second and third continuing.
        var configMapLists = _server.RequestLog.Select(r => r.Request).Where(r => r.StartsWith("/api/v1/namespaces/shop/configmaps", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, configMapLists.Count);
        Assert.All(configMapLists, r => Assert.Contains("limit=3", r, StringComparison.Ordinal));
        Assert.Equal(2, configMapLists.Count(r => r.Contains("continue=", StringComparison.Ordinal)));
        Assert.DoesNotContain(_server.RequestLog, r => r.Request.Contains("/namespaces/other/", StringComparison.Ordinal));
        // What a terminal's spinner shows, page by page.
        Assert.Contains("listing core/ConfigMap in shop, page 3", progress);
        Assert.Contains("listing apps/Deployment in shop", progress);
    }

    [Fact]
    public async Task The_same_state_through_check_live_gives_the_same_report()
    {
        var desired = ShopInCodeAndCluster();
        var kubeconfig = _dir.Write("kubeconfig", _server.KubeConfig());
        var live = _dir.Write("live.json", Objects.List(
            [.. new[] { _server.Get("apps/v1", "Deployment", "shop", "web")! }
                .Concat(Enumerable.Range(0, 7).Select(i => _server.Get("v1", "ConfigMap", "shop", $"cfg-{i}")!))
                .Select(o => o.ToJsonString())]));

        var fromCluster = await CheckAsync(desired, kubeconfig, format: "sarif");
        var fromSnapshot = CheckRunner.Check(desired, live, format: "sarif");

        Assert.Equal(2, fromCluster.ExitCode);
        Assert.Equal(fromSnapshot.Output, fromCluster.Output);
    }

    [Fact]
    public async Task Online_Boutique_rendered_from_its_kustomize_layout_is_found_in_the_default_namespace_and_a_hand_edit_reported()
    {
        // The cluster as `kubectl apply -k` leaves it: every rendered object in `default`, then one scaled by hand.
        using (var rendered = new DriftFabric.Sources.Files.PathSource(KustomizeLayouts.OnlineBoutique).Read())
        {
            Assert.Empty(rendered.Errors);
            foreach (var manifest in rendered.Manifests)
            {
                var json = System.Text.Json.Nodes.JsonNode.Parse(manifest.ToUtf8Json())!.AsObject();
                json["metadata"]!["namespace"] = "default";
                _server.Put(json.ToJsonString(), "kubectl-client-side-apply");
            }
        }

        _server.Edit("apps/v1", "Deployment", "default", "frontend", d => d["spec"]!["replicas"] = 4, "kubectl-scale");
        var kubeconfig = _dir.Write("kubeconfig", _server.KubeConfig());

        var run = await CheckAsync(KustomizeLayouts.OnlineBoutique, kubeconfig);

        Assert.Empty(run.Errors);
        Assert.Equal(2, run.ExitCode);
        var drift = Assert.Single(run.Drifts);
        Assert.Equal(("apps/Deployment/default/frontend", "/spec/replicas", "kubectl-scale"), (drift.GetProperty("resource").GetString(), drift.GetProperty("path").GetString(), drift.GetProperty("manager").GetString()));
        Assert.Equal(Path.Combine(KustomizeLayouts.OnlineBoutique, "base", "frontend.yaml"), drift.GetProperty("source").GetProperty("file").GetString());
        Assert.Equal(35, run.Summary.GetProperty("resources").GetInt32());
    }

    [Fact]
    public async Task A_context_missing_from_the_kubeconfig_exits_1_naming_it()
    {
        var desired = ShopInCodeAndCluster();
        var kubeconfig = _dir.Write("kubeconfig", _server.KubeConfig());

        var run = await CheckAsync(desired, kubeconfig, context: "prod-eu");

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal(kubeconfig, error.GetProperty("source").GetString());
        Assert.Contains("context 'prod-eu'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(run.Drifts);
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task A_kind_the_server_forbids_is_an_error_naming_kind_and_server_and_the_rest_is_judged()
    {
        var desired = ShopInCodeAndCluster();
        await using var front = await KubeFront.StartAsync(_server, path => path.Contains("/deployments", StringComparison.Ordinal) ? KubeFront.Forbidden("deployments", "apps", "shop") : null);
        var kubeconfig = _dir.Write("kubeconfig", front.KubeConfig(_server));

        var run = await CheckAsync(desired, kubeconfig);

        Assert.Equal(1, run.ExitCode);
        var message = Assert.Single(run.Errors).GetProperty("message").GetString()!;
        Assert.Contains("apps/Deployment in namespace shop could not be listed", message, StringComparison.Ordinal);
        Assert.Contains(front.Uri + " answered 403 Forbidden", message, StringComparison.Ordinal);
        Assert.Contains("cannot list resource \"deployments\"", message, StringComparison.Ordinal);
        // Not reported missing: its live state is unknown. The ConfigMaps are judged.
        Assert.DoesNotContain(run.Drifts, d => d.GetProperty("resource").GetString()!.StartsWith("apps/", StringComparison.Ordinal));
        Assert.Equal(4, run.Drifts.Count);
    }

    [Fact]
    public async Task A_server_that_refuses_the_credentials_exits_1_with_nothing_reported_missing()
    {
        var desired = ShopInCodeAndCluster();
        await using var front = await KubeFront.StartAsync(_server, _ => KubeFront.Unauthorized);
        var kubeconfig = _dir.Write("kubeconfig", front.KubeConfig(_server));

        var run = await CheckAsync(desired, kubeconfig, format: "json");

        Assert.Equal(1, run.ExitCode);
        var message = Assert.Single(run.Errors).GetProperty("message").GetString()!;
        Assert.Contains(front.Uri + " answered 401 Unauthorized", message, StringComparison.Ordinal);
        Assert.DoesNotContain("test-token", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Drifts);
    }

    [Fact]
    public async Task A_kind_answered_with_garbage_is_an_error_naming_it_and_the_rest_is_judged()
    {
        var desired = ShopInCodeAndCluster();
        await using var front = await KubeFront.StartAsync(_server, path => path.Contains("/configmaps", StringComparison.Ordinal) ? KubeFront.Garbage : null);
        var kubeconfig = _dir.Write("kubeconfig", front.KubeConfig(_server));

        var run = await CheckAsync(desired, kubeconfig);

        Assert.Equal(1, run.ExitCode);
        var message = Assert.Single(run.Errors).GetProperty("message").GetString()!;
        Assert.Contains("core/ConfigMap in namespace shop could not be listed", message, StringComparison.Ordinal);
        Assert.Contains("not Kubernetes JSON", message, StringComparison.Ordinal);
        Assert.Equal([("apps/Deployment/shop/web", "/spec/replicas", "Modified")], run.DriftKeys);
    }

    [Fact]
    public async Task A_server_that_is_gone_exits_1_naming_it()
    {
        var desired = ShopInCodeAndCluster();
        var port = LoopbackPorts.Free();
        var kubeconfig = _dir.Write("kubeconfig", _server.KubeConfig().Replace(_server.BaseUri.ToString().TrimEnd('/'), $"http://127.0.0.1:{port}", StringComparison.Ordinal));

        var run = await CheckAsync(desired, kubeconfig);

        Assert.Equal(1, run.ExitCode);
        var message = Assert.Single(run.Errors).GetProperty("message").GetString()!;
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", message, StringComparison.Ordinal);
        Assert.Empty(run.Drifts);
    }

    [Fact]
    public async Task The_cli_takes_context_and_kubeconfig_and_exits_2_on_drift_printing_no_progress_when_redirected()
    {
        var desired = ShopInCodeAndCluster();
        var kubeconfig = _dir.Write("kubeconfig", _server.KubeConfig());

        var (exitCode, stdout, stderr) = await CheckRunner.RunProcessAsync(_dir.Root, "check", "--desired", desired, "--context", "test", "--kubeconfig", kubeconfig, "--qps", "50", "--format", "junit");

        Assert.Equal(2, exitCode);
        Assert.Contains("apps/Deployment/shop/web", stdout, StringComparison.Ordinal);
        Assert.StartsWith("<?xml", stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stderr);
    }

    [Fact]
    public async Task Live_and_context_together_are_a_bad_option()
    {
        var desired = ShopInCodeAndCluster();

        var (exitCode, _, stderr) = await CheckRunner.RunProcessAsync(_dir.Root, "check", "--desired", desired, "--context", "test", "--live", desired);

        Assert.Equal(1, exitCode);
        Assert.Contains("either --live (a snapshot) or --context (a cluster)", stderr, StringComparison.Ordinal);
    }
}
