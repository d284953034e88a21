using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace DriftFabric.Testing;

/// <summary>
/// A real HAProxy (the Debian <c>haproxy</c> package) in the foreground on a free loopback port, with
/// its runtime API on a Unix socket in its own folder; killed and removed on dispose.
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _dir;

    private HaproxyProcess(Process process, DirectoryInfo dir, string configPath, string socketPath)
    {
        _process = process;
        _dir = dir;
        ConfigPath = configPath;
        SocketPath = socketPath;
    }

    /// <summary>The <c>haproxy.cfg</c> it runs: the desired state of a test.</summary>
    public string ConfigPath { get; }

    /// <summary>The runtime API's stats socket (level admin).</summary>
    public string SocketPath { get; }

    /// <summary>Starts HAProxy with <paramref name="backends"/> (backend sections) behind one frontend; returns once the runtime API answers.</summary>
    public static async Task<HaproxyProcess> StartAsync(string backends)
    {
        var dir = Directory.CreateTempSubdirectory("driftfabric-haproxy-");
        var socket = Path.Combine(dir.FullName, "admin.sock");
        var config = $"""
            global
              stats socket {socket} mode 600 level admin
            defaults
              mode http
              timeout connect 1s
              timeout client 5s
              timeout server 5s
            frontend fe
              bind 127.0.0.1:{LoopbackPorts.Free()}
              default_backend web
            {backends}
            """;
        var configPath = Path.Combine(dir.FullName, "haproxy.cfg");
        // HAProxy refuses a config whose last line has no line feed.
        await File.WriteAllTextAsync(configPath, config + "\n", new UTF8Encoding(false));
        var start = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", configPath, "-db" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var haproxy = new HaproxyProcess(process, dir, configPath, socket);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await haproxy.CommandAsync("show info");
                return haproxy;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                await Task.Delay(200);
                await haproxy.DisposeAsync();
                throw new InvalidOperationException($"haproxy's runtime API did not come up: {string.Join(" / ", output)}");
            }
        }
    }

    /// <summary>One runtime API command, as an operator types it into <c>socat</c>; the answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        using var answer = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(answer.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _dir.Delete(recursive: true);
    }
}
