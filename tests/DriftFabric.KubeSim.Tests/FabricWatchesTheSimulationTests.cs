namespace DriftFabric.KubeSim.Tests;

/// <summary>
/// The real silo (a process) watching the simulated API server, changed with the real kubectl: each
/// change reaches the silo's event stream as a drift naming the manager the server recorded.
/// </summary>
public sealed class FabricWatchesTheSimulationTests : IAsyncLifetime
{
    private static readonly string Desired = Objects.DesiredDeployment("web", "shop", 2, "registry.example.com/web:1.0.0");

    private KubeApiServer _server = null!;
    private Kubectl _kubectl = null!;
    private readonly TempFleet _fleet = TempFleet.Single("sim");

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(200);
        _kubectl = new Kubectl(_server.KubeConfig());
        _fleet.Write("desired/web.yaml", Desired);
        _fleet.WatchLive(_server.KubeConfig());
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        _fleet.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_kubectl_scale_and_a_kubectl_edit_show_as_drift_by_the_managers_the_server_recorded()
    {
        await _kubectl.SucceedAsync("apply", "-f", _kubectl.Write("web.yaml", Desired));
        await using var silo = SiloProcess.Start("--fleet", _fleet.SpecPath);
        var (api, token) = SiloEvents.ParseApiLine(await silo.WaitForLineAsync("token:"));
        await silo.WaitForLineAsync("Watching desired and live sources");
        await using var events = await SiloEvents.OpenAsync(api, token, "sim");

        await _kubectl.SucceedAsync("scale", "deployment/web", "-n", "shop", "--replicas", "5");
        var scaled = await events.NextAsync("/spec/replicas");
        var editor = _kubectl.WriteScript("editor.sh", "#!/bin/sh\nsed -i 's|web:1.0.0|web:6.6.6|' \"$1\"\n");
        var (exit, output, error) = await _kubectl.RunAsync(new Dictionary<string, string> { ["KUBE_EDITOR"] = editor }, "edit", "deployment/web", "-n", "shop");
        var edited = await events.NextAsync("/spec/template/spec/containers[name=web]/image");

        Assert.True(exit == 0, error + output);
        // kubectl v1.32's scale names no field manager; the server takes "kubectl" from its User-Agent.
        Assert.Equal(("opened", 5, "kubectl"), (scaled["type"]!.GetValue<string>(), scaled["drift"]!["live"]!.GetValue<int>(), scaled["drift"]!["manager"]!.GetValue<string>()));
        Assert.Equal(("opened", "registry.example.com/web:6.6.6", "kubectl-edit"), (edited["type"]!.GetValue<string>(), edited["drift"]!["live"]!.GetValue<string>(), edited["drift"]!["manager"]!.GetValue<string>()));
        Assert.Equal(0, await silo.InterruptAsync());
    }
}
