using System.Net;
using System.Net.Sockets;

namespace DriftFabric.Testing;

/// <summary>Free TCP ports on loopback, for the servers and silos tests and benchmarks start.</summary>
public static class LoopbackPorts
{
    /// <summary>A port nothing listens on now (the OS picks it; it is released before it is returned).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
