using System.Net.Sockets;
using System.Text;

namespace DriftFabric.Testing;

/// <summary>
/// A real HAProxy (the Debian <c>haproxy</c> package) in the foreground on a free loopback port, with
/// its runtime API on a Unix socket in its own folder; killed and removed on dispose.
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private HaproxyProcess(ChildProcess process, string configPath, string socketPath)
    {
        _process = process;
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
        var dir = new TempDirectory("driftfabric-haproxy-");
        var socket = dir.PathOf("admin.sock");
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
        var configPath = dir.PathOf("haproxy.cfg");
        // HAProxy refuses a config whose last line has no line feed.
        await File.WriteAllTextAsync(configPath, config + "\n", new UTF8Encoding(false));
        var haproxy = new HaproxyProcess(ChildProcess.Start("haproxy", ["-f", configPath, "-db"], dir), configPath, socket);
        try
        {
            await haproxy._process.WaitUntilReadyAsync(
                async () =>
                {
                    try
                    {
                        await haproxy.CommandAsync("show info");
                        return true;
                    }
                    catch (SocketException)
                    {
                        return false;
                    }
                },
                "haproxy's runtime API");
        }
        catch (InvalidOperationException)
        {
            await haproxy.DisposeAsync();
            throw;
        }

        return haproxy;
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

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
