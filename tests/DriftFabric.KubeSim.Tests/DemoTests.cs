using System.Diagnostics;
using System.Globalization;

namespace DriftFabric.KubeSim.Tests;

/// <summary>
/// <c>driftfabric-kubesim demo</c> as a newcomer runs it: simulated clusters of the example fleet,
/// the silo watching them, and a <c>kubectl scale</c> arriving as an event on the silo's API.
/// </summary>
public sealed class DemoTests
{
    [Fact]
    public async Task A_kubectl_scale_against_the_demo_reaches_the_silos_event_stream_and_ctrl_c_stops_everything()
    {
        using var fleet = TempFleet.FromExamples();
        using var data = new TempDirectory("driftfabric-demo-data-");
        var apiPort = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        await using var demo = DemoProcess.Start(["demo", "--fleet", fleet.SpecPath, "--api-port", apiPort], data.Root);

        var kubeconfig = (await demo.WaitForLineAsync("kubeconfig: "))["kubeconfig: ".Length..].Trim();
        var siloPid = int.Parse((await demo.WaitForLineAsync("silo: process "))["silo: process ".Length..], CultureInfo.InvariantCulture);
        var (api, token) = SiloEvents.ParseApiLine(await demo.WaitForLineAsync("token:"));
        await demo.WaitForLineAsync("Watching desired and live sources");
        await using var events = await SiloEvents.OpenAsync(api, token, "acme");
        using var kubectl = new Kubectl(await File.ReadAllTextAsync(kubeconfig));
        await kubectl.SucceedAsync("--context", "acme-prod-eu", "-n", "shop", "scale", "deployment/catalog", "--replicas", "5");
        var scaled = await events.NextAsync("/spec/replicas");
        var exit = await demo.InterruptAsync();

        Assert.Equal(("opened", "apps/Deployment/shop/catalog", 5, "kubectl"), (scaled["type"]!.GetValue<string>(), scaled["drift"]!["resource"]!.GetValue<string>(), scaled["drift"]!["live"]!.GetValue<int>(), scaled["drift"]!["manager"]!.GetValue<string>()));
        Assert.Equal(api.Port.ToString(CultureInfo.InvariantCulture), apiPort);
        Assert.Equal(0, exit);
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(siloPid));
        Assert.False(File.Exists(kubeconfig));
    }

    /// <summary>The demo as a child process, its output line by line; killed on dispose if still running.</summary>
    private sealed class DemoProcess : IAsyncDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
        private readonly Process _process;
        private readonly ConsoleLines _lines = new("the demo", Patience);

        private DemoProcess(Process process) => _process = process;

        public static DemoProcess Start(string[] arguments, string dataDirectory)
        {
            var start = InterruptibleStart.Dotnet(Path.Combine(AppContext.BaseDirectory, "driftfabric-kubesim.dll"));
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // The silo the demo starts keeps its digest key here, not in the home of whoever runs the tests.
            start.Environment["DRIFTFABRIC__SECRETDIGEST__DATADIRECTORY"] = dataDirectory;
            // ...and the CA of its generated webhook certificate, which would otherwise stay in the temp folder.
            start.Environment["DRIFTFABRIC__WEBHOOK__CAFILE"] = Path.Combine(dataDirectory, "webhook-ca.crt");
            var process = Process.Start(start) ?? throw new InvalidOperationException("the demo did not start");
            var demo = new DemoProcess(process);
            demo._lines.Follow(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return demo;
        }

        public Task<string> WaitForLineAsync(string text) => _lines.WaitForLineAsync(text);

        /// <summary>Ctrl+C: SIGINT, then the exit status.</summary>
        public async Task<int> InterruptAsync()
        {
            using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(Patience);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
