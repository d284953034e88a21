using System.Globalization;
using System.Text.Json.Nodes;
using DriftFabric.Abstractions;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// Orleans' Kubernetes hosting in real silo processes on a real Redis, against the simulated API
/// server holding a Pod per silo (what <c>deploy/kubernetes/overlays/ha</c> runs, with the API
/// server a kubeconfig names instead of the pod's service account): each silo labels its pod with
/// the fabric's ids, watches the fabric's pods, joins and becomes ready, and a silo whose pod is
/// deleted is declared dead by the other and stops.
/// </summary>
public sealed class KubernetesHostingTests : IAsyncLifetime
{
    private const string Namespace = "driftfabric";

    private readonly TempFleet _fleet = TempFleet.Single("acme");
    private readonly List<SiloProcess> _silos = [];
    private RedisServer _redis = null!;
    private KubeApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _api = await KubeApiServer.StartAsync();
        _fleet.Write("hosting-kube.yaml", _api.KubeConfig());
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _api.DisposeAsync();
        await _redis.DisposeAsync();
        _fleet.Dispose();
    }

    [Fact]
    public async Task Silos_label_their_pods_join_and_one_whose_pod_is_deleted_is_declared_dead_by_the_other()
    {
        var first = await StartSiloInPodAsync("driftfabric-first");
        var second = await StartSiloInPodAsync("driftfabric-second");

        // Each silo put the fabric's ids on its own pod (a merge patch), as the overlay's labels say.
        foreach (var pod in new[] { "driftfabric-first", "driftfabric-second" })
        {
            var labels = _api.Get("v1", "Pod", Namespace, pod)!["metadata"]!["labels"]!.AsObject();
            Assert.Equal((FabricDefaults.FabricId, FabricDefaults.FabricId), ((string?)labels["orleans/serviceId"], (string?)labels["orleans/clusterId"]));
        }

        // The silos watch the fabric's pods by those labels.
        var selector = Uri.EscapeDataString($"orleans/serviceId={FabricDefaults.FabricId},orleans/clusterId={FabricDefaults.FabricId}");
        await Eventually.HoldsAsync(
            () => Task.FromResult(_api.RequestLog.Any(r => r.Request.StartsWith($"/api/v1/namespaces/{Namespace}/pods?", StringComparison.Ordinal) && r.Request.Contains("watch=true", StringComparison.Ordinal) && r.Request.Contains(selector, StringComparison.OrdinalIgnoreCase))),
            () => Task.FromResult("no watch of the fabric's pods: " + string.Join(", ", _api.RequestLog.Select(r => r.Request))));

        // The second silo's pod is deleted: the first declares it dead, and it stops.
        Assert.True(_api.Delete("v1", "Pod", Namespace, "driftfabric-second"));
        // Orleans' line names the silo by the address it advertises: the pod's IP (POD_IP).
        var declared = await first.WaitForLineAsync("has been deleted");
        Assert.Contains($"S127.0.0.1:{second.SiloPort.ToString(CultureInfo.InvariantCulture)}:", declared, StringComparison.Ordinal);
        Assert.Contains("driftfabric-second", declared, StringComparison.Ordinal);
        await second.WaitForLineAsync("I have been told I am dead");
        await second.ExitCodeAsync();

        using var http = new HttpClient { BaseAddress = first.ApiUri };
        await Eventually.HoldsAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, () => Task.FromResult("the first silo is not ready after the second left"));
    }

    [Fact]
    public void The_ha_overlay_sets_the_pod_labels_and_variables_Orleans_reads()
    {
        var overlay = File.ReadAllText(Path.Combine(SiloOptions.FindExampleFleet()!, "..", "..", "kubernetes", "overlays", "ha", "deployment-patch.yaml"));

        Assert.Contains($"{Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ServiceIdLabel}: {FabricDefaults.FabricId}", overlay, StringComparison.Ordinal);
        Assert.Contains($"{Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ClusterIdLabel}: {FabricDefaults.FabricId}", overlay, StringComparison.Ordinal);
        Assert.All(SiloOptions.PodVariables, v => Assert.Contains("- name: " + v + "\n", overlay, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_downward_api_variables_the_silo_says_which_are_missing_and_exits()
    {
        var silo = SiloProcess.Start(
            new Dictionary<string, string> { ["KUBECONFIG"] = _fleet.Root + "/hosting-kube.yaml", ["POD_NAME"] = "driftfabric-0" },
            "--fleet", _fleet.SpecPath, "--redis", _redis.Endpoint, "--kubernetes-hosting", "true");
        _silos.Add(silo);

        Assert.Equal(1, await silo.ExitCodeAsync());
        Assert.Contains(silo.Output, l => l.Contains("--kubernetes-hosting (DRIFTFABRIC__KUBERNETESHOSTING) needs POD_NAME, POD_NAMESPACE, POD_IP from the downward API: POD_NAMESPACE, POD_IP not set", StringComparison.Ordinal));
    }

    /// <summary>A Pod object in the simulated API server, then a silo process that believes it runs in it, ready.</summary>
    private async Task<SiloProcess> StartSiloInPodAsync(string pod)
    {
        _api.Put(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = Namespace, ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "driftfabric" } },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "silo", ["image"] = "ghcr.io/driftfabric/driftfabric:test" }) },
        }.ToJsonString(), "kubelet");

        var silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["KUBECONFIG"] = _fleet.Root + "/hosting-kube.yaml",
                ["POD_NAME"] = pod,
                ["POD_NAMESPACE"] = Namespace,
                ["POD_IP"] = "127.0.0.1",
                ["DRIFTFABRIC__KUBERNETESHOSTING"] = "true",
                ["Logging__LogLevel__Orleans.Hosting.Kubernetes"] = "Information",
            },
            "--fleet", _fleet.SpecPath, "--redis", _redis.Endpoint);
        _silos.Add(silo);

        using var http = new HttpClient { BaseAddress = silo.ApiUri };
        await Eventually.HoldsAsync(
            async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode,
            () => Task.FromResult($"the silo in pod {pod} never became ready: {string.Join('\n', silo.Output.TakeLast(20))}"),
            TimeSpan.FromSeconds(90));
        return silo;
    }
}
