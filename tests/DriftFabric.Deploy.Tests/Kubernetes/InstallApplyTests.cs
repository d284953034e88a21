using System.Diagnostics;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// The install guide's commands, <c>kubectl apply -k</c> and <c>kubectl delete -k</c> of an
/// overlay, run with the real kubectl against the simulated API server (which stores what it is
/// sent: no scheduling, no admission, no pods run): every object the overlay renders is created,
/// and the uninstall removes them.
/// </summary>
public sealed class InstallApplyTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new("driftfabric-kubectl-");
    private KubeApiServer _api = null!;

    public async Task InitializeAsync() =>
        _api = await KubeApiServer.StartAsync(
        [
            .. KubeResourceType.Defaults,
            new KubeResourceType("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets") { ShortNames = ["pdb"] },
            new KubeResourceType("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors"),
        ]);

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _home.Dispose();
    }

    [Theory]
    [InlineData("quickstart")]
    [InlineData("ha")]
    public async Task Apply_k_creates_every_object_the_overlay_renders_and_delete_k_removes_them(string overlay)
    {
        var directory = Path.Combine(Install.KubernetesDirectory, "overlays", overlay);
        var rendered = await Install.RenderAsync(overlay);

        await KubectlAsync("apply", "-k", directory);

        foreach (var o in rendered.Objects)
        {
            Assert.True(_api.Get(o.ApiVersion, o.Kind, o.Metadata.NamespaceProperty, o.Metadata.Name) is not null, $"{overlay}: {o.Kind} {o.Metadata.NamespaceProperty}/{o.Metadata.Name} was not created");
        }

        await KubectlAsync("delete", "-k", directory, "--wait=false");

        foreach (var o in rendered.Objects)
        {
            Assert.True(_api.Get(o.ApiVersion, o.Kind, o.Metadata.NamespaceProperty, o.Metadata.Name) is null, $"{overlay}: {o.Kind} {o.Metadata.NamespaceProperty}/{o.Metadata.Name} is still there");
        }
    }

    private async Task KubectlAsync(params string[] arguments)
    {
        _home.Write("kubeconfig", _api.KubeConfig());
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["--kubeconfig", _home.PathOf("kubeconfig"), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        // Discovery is cached per server address: one of another test's servers must not answer for this one.
        start.Environment["KUBECACHEDIR"] = _home.PathOf("cache");
        start.Environment["HOME"] = _home.Root;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(patience.Token);
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}{await output}");
    }
}
