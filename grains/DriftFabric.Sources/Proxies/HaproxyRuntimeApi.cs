using System.Net.Sockets;
using System.Text;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Proxies;

/// <summary>
/// HAProxy's runtime API over its stats socket (<c>unix:PATH</c> or <c>tcp://HOST:PORT</c>): what it
/// runs (<c>show backend</c>, <c>show servers state</c>), and commands that change it (<c>set server</c>).
/// </summary>
public static class HaproxyRuntimeApi
{
    public static Task<byte[]> ReadAsync(string endpoint, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ProxyCalls.WithinAsync(endpoint, timeout, null, deadline => CommandAsync(endpoint, HaproxyComparer.RuntimeCommands, deadline), cancellationToken);

    /// <summary>Sends each command; an answer that is an error stops and is thrown, naming the command.</summary>
    public static async Task RunAsync(string endpoint, IReadOnlyList<string> commands, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        foreach (var command in commands)
        {
            var answer = Encoding.UTF8.GetString(await ProxyCalls.WithinAsync(endpoint, timeout, command, deadline => CommandAsync(endpoint, command, deadline), cancellationToken)).Trim();

            // Success is silence, or a note of what changed ("IP changed from ... to ...").
            if (answer.Length > 0 && !answer.Contains("changed from", StringComparison.Ordinal) && !answer.StartsWith("no need to change", StringComparison.Ordinal))
            {
                throw new ProxyReadException(ProxyProblem.Invalid, endpoint, $"'{command}' was refused: {answer}");
            }
        }
    }

    /// <summary>One command (or several, <c>;</c>-separated); the answer is all HAProxy writes before it closes.</summary>
    private static async Task<byte[]> CommandAsync(string endpoint, string command, CancellationToken cancellationToken)
    {
        var unix = endpoint.StartsWith("unix:", StringComparison.Ordinal);
        using var socket = unix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        if (unix)
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint[5..]), cancellationToken);
        }
        else
        {
            var uri = new Uri(endpoint);
            await socket.ConnectAsync(uri.Host, uri.Port, cancellationToken);
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        return await ProxyCalls.ReadBoundedAsync(stream, endpoint, cancellationToken);
    }
}
