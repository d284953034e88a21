using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DriftFabric.Testing;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port with its own data folder (append-only file
/// on), started for a test and stopped after it. <see cref="RestartAsync"/> stops it with a save
/// and starts it again on the same port and data, as an operator's restart would.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly TempDirectory _data;
    private Process? _process;

    private RedisServer(int port, TempDirectory data)
    {
        Port = port;
        _data = data;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string: <c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(LoopbackPorts.Free(), new TempDirectory("driftfabric-redis-"));
        await server.LaunchAsync();
        return server;
    }

    /// <summary>Stops the server, saving its data (as <c>SHUTDOWN SAVE</c> does); the port is refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        try
        {
            await CommandAsync("SHUTDOWN", "SAVE");
        }
        catch (IOException)
        {
            // The server closes the connection as it goes down.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    public Task StartAgainAsync() => LaunchAsync();

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAgainAsync();
    }

    /// <summary>One command over RESP; returns the reply as text (for INFO, PING, DBSIZE and the like).</summary>
    public async Task<string> CommandAsync(params string[] command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var first = await reader.ReadLineAsync() ?? throw new IOException("redis closed the connection");
        if (first[0] == '$')
        {
            var length = int.Parse(first.AsSpan(1), CultureInfo.InvariantCulture);
            if (length < 0)
            {
                return string.Empty;
            }

            var buffer = new char[length];
            var read = 0;
            while (read < length)
            {
                var n = await reader.ReadAsync(buffer.AsMemory(read, length - read));
                read += n > 0 ? n : throw new IOException("redis closed the connection");
            }

            return new string(buffer);
        }

        return first[0] == '-' ? throw new InvalidOperationException("redis: " + first[1..]) : first[1..];
    }

    /// <summary>The server's <c>used_memory</c>, in bytes.</summary>
    public async Task<long> UsedMemoryAsync()
    {
        var info = await CommandAsync("INFO", "memory");
        var line = info.Split("\r\n").First(l => l.StartsWith("used_memory:", StringComparison.Ordinal));
        return long.Parse(line["used_memory:".Length..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            _data.Dispose();
        }
        catch (IOException)
        {
        }
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(FindServer())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _data.Root,
            "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process?.Dispose();
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if (await CommandAsync("PING") == "PONG")
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
            {
                // Still loading its data, or not listening yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server did not come up on port {Port} (exited: {_process.HasExited})");
            }

            await Task.Delay(50);
        }
    }

    private static string FindServer()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server is not installed: run ./test.sh, which installs it (apt-get install redis-server)");
    }
}
