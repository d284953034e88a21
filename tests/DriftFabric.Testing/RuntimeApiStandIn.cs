using System.Net.Sockets;
using System.Text;

namespace DriftFabric.Testing;

/// <summary>
/// A Unix socket where an HAProxy runtime API should be, answering something else: a fixed text to
/// every command, or (answer null) nothing at all while holding the connection open, as a hung
/// process does.
/// </summary>
public sealed class RuntimeApiStandIn : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];

    private RuntimeApiStandIn(Socket listener) => _listener = listener;

    public static RuntimeApiStandIn Start(string path, string? answer)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var standIn = new RuntimeApiStandIn(listener);
        _ = standIn.ServeAsync(answer);
        return standIn;
    }

    private async Task ServeAsync(string? answer)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var connection = await _listener.AcceptAsync(_stop.Token);
                if (answer is null)
                {
                    lock (_held)
                    {
                        _held.Add(connection);
                    }

                    continue;
                }

                using (connection)
                {
                    // Reads the command as the runtime API does, then answers it.
                    var buffer = new byte[4096];
                    while (await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) is var read and > 0 && Array.IndexOf(buffer, (byte)'\n', 0, read) < 0)
                    {
                    }

                    await connection.SendAsync(Encoding.ASCII.GetBytes(answer), SocketFlags.None, _stop.Token);
                    connection.Shutdown(SocketShutdown.Both);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_held)
        {
            _held.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }
}
