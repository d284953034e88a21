using System.Diagnostics;

namespace DriftFabric.Testing;

/// <summary>
/// The real silo (<c>driftfabric-silo.dll</c>, next to the test assembly) as a child process on
/// free loopback ports, with its console output line by line.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private const string DataDirectoryVariable = "DRIFTFABRIC__SECRETDIGEST__DATADIRECTORY";
    private const string CaFileVariable = "DRIFTFABRIC__WEBHOOK__CAFILE";
    private readonly Process _process;
    private TempDirectory? _dataDirectory;
    private readonly ConsoleLines _lines = new("the silo", Patience);

    private SiloProcess(Process process, int siloPort, int apiPort, int webhookPort)
    {
        _process = process;
        SiloPort = siloPort;
        ApiPort = apiPort;
        WebhookPort = webhookPort;
    }

    /// <summary>Lines read so far by <see cref="WaitForLineAsync"/>.</summary>
    public IReadOnlyList<string> Seen => _lines.Seen;

    /// <summary>Every line the process wrote so far, read or not.</summary>
    public IReadOnlyList<string> Output => _lines.All;

    public int SiloPort { get; }

    /// <summary>The port of the silo's HTTP API (on 127.0.0.1).</summary>
    public int ApiPort { get; }

    public Uri ApiUri => new($"http://127.0.0.1:{ApiPort}/");

    /// <summary>The port of the sidecar injector's HTTPS webhook (on 127.0.0.1).</summary>
    public int WebhookPort { get; }

    /// <summary>Where a silo without certificate files wrote its generated CA, unless the test named another place.</summary>
    public string? WebhookCaFile { get; private init; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static SiloProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="Start(string[])"/>, with environment variables for the process (e.g. API tokens).</summary>
    public static SiloProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var siloPort = LoopbackPorts.Free();
        var given = Array.IndexOf(arguments, "--api-port");
        var apiPort = given >= 0 ? int.Parse(arguments[given + 1], System.Globalization.CultureInfo.InvariantCulture) : LoopbackPorts.Free();
        var givenWebhook = Array.IndexOf(arguments, "--webhook-port");
        var webhookPort = givenWebhook >= 0 ? int.Parse(arguments[givenWebhook + 1], System.Globalization.CultureInfo.InvariantCulture) : LoopbackPorts.Free();
        var start = InterruptibleStart.Dotnet(Path.Combine(AppContext.BaseDirectory, "driftfabric-silo.dll"));
        // A silo keeps a generated digest key in its data directory: a test's silo keeps it in a
        // directory of its own (removed with the silo), never in the home of whoever runs the tests.
        TempDirectory? data = null;
        if (!environment.Keys.Any(k => k.Equals(DataDirectoryVariable, StringComparison.OrdinalIgnoreCase)))
        {
            data = new TempDirectory("driftfabric-silo-data-");
            start.Environment[DataDirectoryVariable] = data.Root;
        }

        // Likewise the webhook's generated CA: in the silo's own directory, not a path other silos share.
        string? caFile = null;
        if (!environment.Keys.Any(k => k.Equals(CaFileVariable, StringComparison.OrdinalIgnoreCase)))
        {
            data ??= new TempDirectory("driftfabric-silo-data-");
            caFile = Path.Combine(data.Root, "webhook-ca.crt");
            start.Environment[CaFileVariable] = caFile;
        }
        else
        {
            caFile = environment.First(e => e.Key.Equals(CaFileVariable, StringComparison.OrdinalIgnoreCase)).Value;
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var argument in arguments.Concat(["--silo-port", Port(siloPort), "--gateway-port", Port(LoopbackPorts.Free())]).Concat(given >= 0 ? [] : ["--api-port", Port(apiPort)]).Concat(givenWebhook >= 0 ? [] : ["--webhook-port", Port(webhookPort)]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(process, siloPort, apiPort, webhookPort) { _dataDirectory = data, WebhookCaFile = caFile };
        silo._lines.Follow(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Reads lines until one contains <paramref name="text"/>; fails only when it never comes.</summary>
    public Task<string> WaitForLineAsync(string text) => _lines.WaitForLineAsync(text);

    /// <summary><c>kill -9</c>: the process dies on the spot, with no chance to leave the cluster or flush anything.</summary>
    public async Task KillHardAsync()
    {
        using (var kill = Process.Start("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await ExitCodeAsync();
    }

    /// <summary>Ctrl+C: SIGINT, then the exit status.</summary>
    public async Task<int> InterruptAsync()
    {
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await ExitCodeAsync();
    }

    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the silo did not exit within {Patience}; its output:\n{string.Join('\n', Output)}");
        }

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
        _dataDirectory?.Dispose();
    }
}
