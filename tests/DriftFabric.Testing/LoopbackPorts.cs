using System.Net;
using System.Net.Sockets;

namespace DriftFabric.Testing;

/// <summary>Free TCP ports on loopback, for the servers and silos tests and benchmarks start.</summary>
/// <remarks>
/// A port is handed out once per process and comes from below the kernel's ephemeral range: a
/// port the kernel picked for a listener (port 0) and released is also one it hands out to the
/// next outgoing connection, so a silo started a moment later could find it taken by a
/// connection to Redis (seen in CI as "Address already in use"). Below the ephemeral range only
/// listeners take ports, and each process starts from a place of its own in it.
/// </remarks>
public static class LoopbackPorts
{
    private const int Lowest = 20000;
    private static readonly int Highest = EphemeralStart() - 1;
    private static int _next = Lowest + (Environment.ProcessId * 7919 % (Highest - Lowest));

    /// <summary>A port nothing listens on now, not handed out before by this process.</summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < Highest - Lowest; attempt++)
        {
            var port = Lowest + ((Interlocked.Increment(ref _next) - Lowest) % (Highest - Lowest));
            if (CanListen(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }

    /// <summary>True when something accepts connections on <paramref name="port"/>: a server started on it is listening.</summary>
    public static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (32768 where it cannot be read).</summary>
    private static int EphemeralStart()
    {
        const int Default = 32768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], out var start) && start > Lowest + 1000 ? start : Default;
        }
        catch (IOException)
        {
            return Default;
        }
        catch (UnauthorizedAccessException)
        {
            return Default;
        }
    }
}
