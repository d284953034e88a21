using System.Diagnostics;
using System.Threading.Channels;

namespace DriftFabric.Testing;

/// <summary>
/// The real silo (<c>driftfabric-silo.dll</c>, next to the test assembly) as a child process on
/// free loopback ports, with its console output line by line.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Debian's perl-base (essential, so on every machine the tests run on).</summary>
    private const string Perl = "/usr/bin/perl";
    private const string DataDirectoryVariable = "DRIFTFABRIC__SECRETDIGEST__DATADIRECTORY";
    private readonly Process _process;
    private TempDirectory? _dataDirectory;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly List<string> _all = [];
    private int _openStreams = 2;

    private SiloProcess(Process process, int siloPort, int apiPort)
    {
        _process = process;
        SiloPort = siloPort;
        ApiPort = apiPort;
    }

    /// <summary>Lines read so far by <see cref="WaitForLineAsync"/>.</summary>
    public IReadOnlyList<string> Seen => _seen;

    /// <summary>Every line the process wrote so far, read or not.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    public int SiloPort { get; }

    /// <summary>The port of the silo's HTTP API (on 127.0.0.1).</summary>
    public int ApiPort { get; }

    public Uri ApiUri => new($"http://127.0.0.1:{ApiPort}/");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static SiloProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="Start(string[])"/>, with environment variables for the process (e.g. API tokens).</summary>
    public static SiloProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var siloPort = LoopbackPorts.Free();
        var given = Array.IndexOf(arguments, "--api-port");
        var apiPort = given >= 0 ? int.Parse(arguments[given + 1], System.Globalization.CultureInfo.InvariantCulture) : LoopbackPorts.Free();
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(File.Exists(Perl) ? Perl : dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A silo keeps a generated digest key in its data directory: a test's silo keeps it in a
        // directory of its own (removed with the silo), never in the home of whoever runs the tests.
        TempDirectory? data = null;
        if (!environment.Keys.Any(k => k.Equals(DataDirectoryVariable, StringComparison.OrdinalIgnoreCase)))
        {
            data = new TempDirectory("driftfabric-silo-data-");
            start.Environment[DataDirectoryVariable] = data.Root;
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        if (File.Exists(Perl))
        {
            // Ctrl+C reaches a program in a terminal's foreground. A test run started in the
            // background (`./test.sh &`, some CI runners) hands its children SIGINT ignored, and
            // .NET keeps a signal that was ignored at start ignored: the silo is started as a
            // terminal would start it, with SIGINT at its default (perl execs it, same process).
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\";");
            start.ArgumentList.Add(dotnet);
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "driftfabric-silo.dll"));
        string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var argument in arguments.Concat(["--silo-port", Port(siloPort), "--gateway-port", Port(LoopbackPorts.Free())]).Concat(given >= 0 ? [] : ["--api-port", Port(apiPort)]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(process, siloPort, apiPort) { _dataDirectory = data };
        process.OutputDataReceived += (_, e) => silo.Receive(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Receive(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Reads lines until one contains <paramref name="text"/>; fails only when it never comes.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(timeout.Token);
                _seen.Add(line);
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            throw new InvalidOperationException($"the silo exited before a line with '{text}'; its output:\n{string.Join('\n', _seen)}");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no line with '{text}' within {Patience}; output so far:\n{string.Join('\n', _seen)}");
        }
    }

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

    private void Receive(string? line)
    {
        if (line is null)
        {
            // Each of stdout and stderr ends with a null: the lines end when both have, or a last
            // line on the one still open (an error said on the way out) would be lost.
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _lines.Writer.TryComplete();
            }
        }
        else
        {
            lock (_all)
            {
                _all.Add(line);
            }

            _lines.Writer.TryWrite(line);
        }
    }
}
