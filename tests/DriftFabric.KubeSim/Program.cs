using System.Globalization;
using System.Runtime.InteropServices;
using DriftFabric.KubeSim;

const string Usage = """
    usage: driftfabric-kubesim --port P --kubeconfig FILE [--load DIR|FILE] [--name NAME] [--log-requests] [--rbac]
           driftfabric-kubesim demo [--fleet PATH]
    A simulated Kubernetes API server (no real one runs here) that the real kubectl can drive.
    --rbac: bearer tokens and RBAC enforced; the kubeconfig's context NAME is an administrator
    (system:masters), NAME-driftfabric the ServiceAccount driftfabric/driftfabric.
    """;

// Ctrl+C (SIGINT) and SIGTERM stop the servers (and the demo's silo) cleanly.
using var stop = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}

if (args is ["demo", .. var demoArgs])
{
    return await Demo.RunAsync(demoArgs, Console.Out, Console.Error, stop.Token);
}

string? port = null, kubeconfig = null, load = null, name = "kubesim";
var logRequests = false;
var rbac = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            port = args[++i];
            break;
        case "--kubeconfig" when i + 1 < args.Length:
            kubeconfig = args[++i];
            break;
        case "--load" when i + 1 < args.Length:
            load = args[++i];
            break;
        case "--name" when i + 1 < args.Length:
            name = args[++i];
            break;
        case "--log-requests":
            logRequests = true;
            break;
        case "--rbac":
            rbac = true;
            break;
        default:
            Console.Error.WriteLine($"unknown or incomplete option '{args[i]}'");
            Console.Error.WriteLine(Usage);
            return 1;
    }
}

if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535 || kubeconfig is null)
{
    Console.Error.WriteLine(port is null || kubeconfig is null ? "--port and --kubeconfig are required" : $"--port is not a port (1 to 65535): {port}");
    Console.Error.WriteLine(Usage);
    return 1;
}

if (load is not null && !File.Exists(load) && !Directory.Exists(load))
{
    Console.Error.WriteLine($"--load: no such file or directory: {load}");
    return 1;
}


SimulatedCluster cluster;
try
{
    cluster = await SimulatedCluster.StartAsync(name, portNumber, load, logRequests ? Console.Out : null, rbac);
}
catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"kubesim: {e.Message}");
    return 1;
}

await using (cluster)
{
    cluster.WriteKubeConfig(kubeconfig);
    Console.WriteLine($"simulated API server {cluster.Server.BaseUri} ({cluster.Objects} objects); kubeconfig {Path.GetFullPath(kubeconfig)}");
    Console.WriteLine($"try: kubectl --kubeconfig {kubeconfig} get deployments -A; Ctrl+C stops");
    await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
}

return 0;
