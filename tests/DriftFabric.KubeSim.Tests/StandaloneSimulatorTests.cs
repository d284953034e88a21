using System.Diagnostics;
using System.Globalization;

namespace DriftFabric.KubeSim.Tests;

/// <summary><c>driftfabric-kubesim --port P --kubeconfig FILE --load PATH</c>: the simulator as a program kubectl points at.</summary>
public sealed class StandaloneSimulatorTests
{
    [Fact]
    public async Task Loaded_with_a_snapshot_it_serves_its_objects_with_their_managers_to_kubectl_and_stops_on_ctrl_c()
    {
        using var folder = new TempDirectory("driftfabric-kubesim-");
        var kubeconfig = Path.Combine(folder.Root, "sim.kubeconfig");
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        var start = InterruptibleStart.Dotnet(Path.Combine(AppContext.BaseDirectory, "driftfabric-kubesim.dll"));
        foreach (var argument in new[] { "--port", port, "--kubeconfig", kubeconfig, "--load", Path.Combine(AppContext.BaseDirectory, "examples", "acme", "prod-eu", "live.json"), "--log-requests" })
        {
            start.ArgumentList.Add(argument);
        }

        using var sim = Process.Start(start)!;
        try
        {
            var ready = await sim.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            using var kubectl = new Kubectl(await File.ReadAllTextAsync(kubeconfig));
            var names = await kubectl.SucceedAsync("get", "deploy", "-A", "-o", "custom-columns=NAME:.metadata.name", "--no-headers");
            var cart = await kubectl.GetAsync("deployment/cart");
            using (var interrupt = Process.Start("kill", ["-INT", sim.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            var log = await sim.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await sim.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal($"simulated API server http://127.0.0.1:{port}/ (17 objects); kubeconfig {kubeconfig}", ready);
            Assert.Equal(["cart", "catalog", "checkout", "frontend", "recommendations"], names.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", Kubectl.Entry(cart, "kubectl-scale", "scale")["fieldsV1"]!.ToJsonString());
            Assert.Contains("GET /apis/apps/v1/deployments", log, StringComparison.Ordinal);
            Assert.Equal(0, sim.ExitCode);
        }
        finally
        {
            if (!sim.HasExited)
            {
                sim.Kill(entireProcessTree: true);
            }
        }
    }
}

/// <summary><c>driftfabric-kubesim --rbac</c>: the install's RBAC applied with the real kubectl as an administrator, then enforced on the fabric's ServiceAccount.</summary>
public sealed class StandaloneRbacTests
{
    [Fact]
    public async Task The_install_rbac_applied_by_kubectl_lets_the_service_account_read_and_refuses_it_a_write()
    {
        using var folder = new TempDirectory("driftfabric-kubesim-rbac-");
        var kubeconfig = Path.Combine(folder.Root, "sim.kubeconfig");
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        var start = InterruptibleStart.Dotnet(Path.Combine(AppContext.BaseDirectory, "driftfabric-kubesim.dll"));
        foreach (var argument in new[] { "--port", port, "--kubeconfig", kubeconfig, "--name", "sim", "--rbac" })
        {
            start.ArgumentList.Add(argument);
        }

        using var sim = Process.Start(start)!;
        try
        {
            await sim.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            using var kubectl = new Kubectl(await File.ReadAllTextAsync(kubeconfig));
            var rbac = Path.Combine(AppContext.BaseDirectory, "install", "base", "rbac.yaml");
            await kubectl.SucceedAsync("apply", "-f", rbac);
            await kubectl.SucceedAsync("apply", "-f", kubectl.Write("frontend.json", Objects.DesiredDeployment("frontend", "default", 1, "frontend:1")));

            var read = await kubectl.RunAsync("--context", "sim-driftfabric", "get", "deployments", "-n", "default", "-o", "name");
            var write = await kubectl.RunAsync("--context", "sim-driftfabric", "delete", "deployment", "frontend", "-n", "default");
            var elsewhere = await kubectl.RunAsync("--context", "sim-driftfabric", "get", "deployments", "-n", "kube-system");

            Assert.Equal((0, "deployment.apps/frontend"), (read.Exit, read.Output.Trim()));
            Assert.NotEqual(0, write.Exit);
            Assert.Contains("deployments.apps \"frontend\" is forbidden: User \"system:serviceaccount:driftfabric:driftfabric\" cannot delete resource \"deployments\" in API group \"apps\" in the namespace \"default\"", write.Error, StringComparison.Ordinal);
            Assert.Contains("cannot list resource \"deployments\" in API group \"apps\" in the namespace \"kube-system\"", elsewhere.Error, StringComparison.Ordinal);
        }
        finally
        {
            sim.Kill(entireProcessTree: true);
            await sim.WaitForExitAsync();
        }
    }
}
