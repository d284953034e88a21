using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DriftFabric.Silo.Tests;

/// <summary>The real silo as a child process on free loopback ports, with its console output line by line.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];

    private SiloProcess(Process process)
    {
        _process = process;
    }

    public IReadOnlyList<string> Seen => _seen;

    public static SiloProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "driftfabric-silo.dll"));
        foreach (var argument in arguments.Concat(["--silo-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--gateway-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(process);
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
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no line with '{text}' within {Patience}; output so far:\n{string.Join('\n', _seen)}");
        }
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

    private void Receive(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
        }
        else
        {
            _lines.Writer.TryWrite(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
