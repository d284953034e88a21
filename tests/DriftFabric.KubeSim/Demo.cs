using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DriftFabric.Silo;
using DriftFabric.Testing;

namespace DriftFabric.KubeSim;

/// <summary>
/// <c>demo</c>: one simulated API server per cluster of a fleet (the example fleet by default),
/// each loaded with its cluster's live snapshot; a fleet spec that has the silo watch them instead
/// of reading the snapshots; the real silo started on it as a process of its own (it never
/// references test code); and the commands a newcomer types to see a change arrive as an event.
/// </summary>
internal static class Demo
{
    private const string Usage = "usage: driftfabric-kubesim demo [--fleet PATH] [--api-port N]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        string? fleetPath = null;
        var apiPort = "5080";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--fleet" when i + 1 < args.Length:
                    fleetPath = args[++i];
                    break;
                case "--api-port" when i + 1 < args.Length:
                    apiPort = args[++i];
                    break;
                default:
                    error.WriteLine($"unknown or incomplete option '{args[i]}'");
                    error.WriteLine(Usage);
                    return 1;
            }
        }

        fleetPath = Path.GetFullPath(fleetPath ?? SiloOptions.FindExampleFleet() ?? string.Empty);
        if (!File.Exists(fleetPath))
        {
            error.WriteLine("demo: no --fleet given and no deploy/examples/driftfabric.yaml found above the working directory");
            return 1;
        }

        var folder = new TempDirectory("driftfabric-demo-");
        var clusters = new List<(string Tenant, string Cluster, SimulatedCluster Sim)>();
        try
        {
            // The silo checks the spec in full when it starts; the demo needs only its clusters.
            var spec = KubeManifests.ReadFile(fleetPath).Single();
            var specFolder = Path.GetDirectoryName(fleetPath)!;
            foreach (var tenant in Items(spec, "tenants", fleetPath))
            {
                foreach (var cluster in Items(tenant, "clusters", fleetPath))
                {
                    var tenantName = Text(tenant, "name", fleetPath);
                    var clusterName = Text(cluster, "name", fleetPath);
                    var snapshot = cluster["live"]?["snapshot"]?.GetValue<string>();
                    var sim = await SimulatedCluster.StartAsync($"{tenantName}-{clusterName}", 0, snapshot is null ? null : Path.Combine(specFolder, snapshot), requests: null);
                    clusters.Add((tenantName, clusterName, sim));
                    cluster["desired"] = Path.Combine(specFolder, Text(cluster, "desired", fleetPath));
                    cluster["live"] = new JsonObject { ["kubeconfig"] = Path.Combine(folder.Root, "kubeconfig"), ["context"] = sim.Name };
                }
            }

            if (clusters.Count == 0)
            {
                throw new InvalidDataException($"{fleetPath}: no clusters");
            }

            folder.Write("kubeconfig", KubeApiServer.KubeConfigOf([.. clusters.Select(c => (c.Sim.Name, c.Sim.Server.BaseUri))]));

            // JSON is YAML: the fleet spec the silo reads is the example's, each cluster watched.
            folder.Write("driftfabric.yaml", spec.ToJsonString());
            Explain(output, folder.Root, clusters, apiPort);
            return await RunSiloAsync(Path.Combine(folder.Root, "driftfabric.yaml"), apiPort, output, error, stop);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
        {
            error.WriteLine($"demo: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var (_, _, sim) in clusters)
            {
                await sim.DisposeAsync();
            }

            folder.Dispose();
        }
    }

    private static IEnumerable<JsonObject> Items(JsonObject parent, string field, string file) =>
        parent[field] is JsonArray items ? items.OfType<JsonObject>() : throw new InvalidDataException($"{file}: '{field}' is not a list");

    private static string Text(JsonObject parent, string field, string file) =>
        parent[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw new InvalidDataException($"{file}: '{field}' is missing");

    private static void Explain(TextWriter output, string folder, List<(string Tenant, string Cluster, SimulatedCluster Sim)> clusters, string apiPort)
    {
        var kubeconfig = Path.Combine(folder, "kubeconfig");
        output.WriteLine("DriftFabric demo: simulated Kubernetes API servers (a simulation in this process, not a real cluster),");
        output.WriteLine("each loaded with its cluster's live snapshot, and the embedded silo watching them.");
        foreach (var (tenant, cluster, sim) in clusters)
        {
            output.WriteLine($"  {tenant + "/" + cluster,-24} {sim.Server.BaseUri,-26} context {sim.Name,-22} {sim.Objects} objects");
        }

        var first = clusters[0].Sim.Name;
        output.WriteLine($"kubeconfig: {kubeconfig}");
        output.WriteLine("Change a cluster with kubectl, and see the event below within a second:");
        output.WriteLine($"  kubectl --kubeconfig {kubeconfig} --context {first} -n shop scale deployment/catalog --replicas 5");
        output.WriteLine($"  kubectl --kubeconfig {kubeconfig} --context {first} -n shop edit deployment/frontend");
        output.WriteLine("The same events from the API (the token is on the silo's 'api:' line below):");
        output.WriteLine($"  curl -N -H \"Authorization: Bearer TOKEN\" http://127.0.0.1:{apiPort}/api/v1/tenants/{clusters[0].Tenant}/events");
        output.WriteLine($"  DRIFTFABRIC__TOKEN=TOKEN dotnet run --project client/DriftFabric.Cli -- watch --tenant {clusters[0].Tenant} --server http://127.0.0.1:{apiPort}");
        output.WriteLine("Ctrl+C stops the silo and the simulated clusters.");
        output.WriteLine();
    }

    /// <summary>The silo as its own process, its output passed through; stopped cleanly when <paramref name="stop"/> fires.</summary>
    private static async Task<int> RunSiloAsync(string fleet, string apiPort, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "driftfabric-silo.dll"), "--fleet", fleet, "--api-port", apiPort, "--silo-port", Port(), "--gateway-port", Port(), "--webhook-port", Port() })
        {
            start.ArgumentList.Add(argument);
        }

        using var silo = Process.Start(start) ?? throw new InvalidOperationException("the silo did not start");
        silo.OutputDataReceived += (_, e) => Pass(output, e.Data);
        silo.ErrorDataReceived += (_, e) => Pass(error, e.Data);
        silo.BeginOutputReadLine();
        silo.BeginErrorReadLine();
        output.WriteLine($"silo: process {silo.Id}");
        try
        {
            await silo.WaitForExitAsync(stop);
            return silo.ExitCode == 0 ? 1 : silo.ExitCode;
        }
        catch (OperationCanceledException)
        {
            // SIGTERM, which the silo's host takes as it takes Ctrl+C: a SIGINT would be ignored by a
            // silo whose demo was started with SIGINT ignored (in a shell's background), as children inherit it.
            using (var interrupt = Process.Start("kill", ["-TERM", silo.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync(CancellationToken.None);
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await silo.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                silo.Kill(entireProcessTree: true);
                await silo.WaitForExitAsync(CancellationToken.None);
            }

            output.WriteLine($"demo: stopped (silo exit status {silo.ExitCode})");
            return 0;
        }
    }

    private static void Pass(TextWriter writer, string? line)
    {
        if (line is not null)
        {
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
    }

    private static string Port() => LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
}
