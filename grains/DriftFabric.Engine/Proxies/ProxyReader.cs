using System.Net.Sockets;
using System.Text;

namespace DriftFabric.Engine.Proxies;

/// <summary>Why a proxy's config could not be judged.</summary>
public enum ProxyProblem
{
    /// <summary>No answer: refused, timed out, an HTTP error, a file that cannot be read.</summary>
    Unreachable,

    /// <summary>An answer that is not a config of the proxy's kind (garbage, truncated, too large).</summary>
    Invalid,
}

/// <summary>
/// A proxy's config could not be read or made sense of: <c>SOURCE: unreachable|invalid: REASON</c>.
/// Credentials in a URL (<c>http://user:pass@host</c>) are never part of it: it is shown in reports,
/// statuses and logs.
/// </summary>
public sealed partial class ProxyReadException(ProxyProblem problem, string source, string reason, int line = 0, Exception? inner = null)
    : Exception($"{Redact(source)}{(line > 0 ? $":{line}" : string.Empty)}: {(problem == ProxyProblem.Invalid ? "invalid" : "unreachable")}: {Redact(reason)}", inner)
{
    public ProxyProblem Problem { get; } = problem;

    /// <summary>The endpoint or file, as it was given (without credentials).</summary>
    public string Origin { get; } = Redact(source);

    public int Line { get; } = line;

    /// <summary>What went wrong, without the source: <c>unreachable: REASON</c> or <c>invalid: REASON</c>.</summary>
    public string Detail => $"{(Problem == ProxyProblem.Invalid ? "invalid" : "unreachable")}: {Redact(reason)}";

    /// <summary>The text with the user information of every URL in it replaced by <c>***</c>.</summary>
    public static string Redact(string text) => text.Contains('@', StringComparison.Ordinal) ? UserInfo().Replace(text, "://***@") : text;

    [System.Text.RegularExpressions.GeneratedRegex(@"://[^/@\s]+@")]
    private static partial System.Text.RegularExpressions.Regex UserInfo();
}

/// <summary>
/// Reads what a proxy runs: its admin API over HTTP (Caddy's <c>/config/</c>, Envoy's
/// <c>/config_dump</c>), HAProxy's runtime API over its stats socket (<c>unix:PATH</c> or
/// <c>tcp://HOST:PORT</c>, <c>show backend</c> and <c>show servers state</c>), or a saved copy in a file.
/// </summary>
public static class ProxyReader
{
    /// <summary>The largest config read: beyond this a proxy answers garbage, not a config.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>The one client every proxy's admin API is called with (reads and writes share its connections).</summary>
    internal static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static bool IsHttp(string endpoint) =>
        endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public static bool IsSocket(string endpoint) =>
        endpoint.StartsWith("unix:", StringComparison.Ordinal) || endpoint.StartsWith("tcp://", StringComparison.Ordinal);

    /// <summary>The running config, within <paramref name="timeout"/>; a <see cref="ProxyReadException"/> naming the endpoint otherwise.</summary>
    public static Task<byte[]> ReadLiveAsync(ProxyKind kind, string endpoint, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WithinAsync(endpoint, timeout, null, deadline =>
            IsHttp(endpoint) ? FetchAsync(kind, endpoint, null, deadline)
            : IsSocket(endpoint) ? RuntimeApiAsync(endpoint, HaproxyComparer.RuntimeCommands, deadline)
            : ReadFileAsync(endpoint, deadline), cancellationToken);

    /// <summary>
    /// One call to a proxy within <paramref name="timeout"/>: no answer in time, or a connection or
    /// file that fails, is a <see cref="ProxyReadException"/> (unreachable) naming the endpoint and,
    /// when given, what was asked of it.
    /// </summary>
    internal static async Task<T> WithinAsync<T>(string endpoint, TimeSpan timeout, string? asked, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await call(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProxyReadException(ProxyProblem.Unreachable, endpoint, $"no answer{(asked is null ? string.Empty : $" to '{asked}'")} within {timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or UnauthorizedAccessException)
        {
            throw new ProxyReadException(ProxyProblem.Unreachable, endpoint, e.Message, inner: e);
        }
    }

    /// <summary>A config file (the desired one, or a saved dump), refused beyond <see cref="MaxBytes"/>.</summary>
    public static async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxBytes)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, path, TooLarge(info.Length));
        }

        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProxyReadException(ProxyProblem.Unreachable, path, "cannot read: " + e.Message, inner: e);
        }
    }

    /// <summary>
    /// Caddy's running config with the ETag its admin API gives it (<c>"/config/ HASH"</c>, a trailer
    /// in Caddy 2.6), which a write names in <c>If-Match</c> so that it replaces only the config it
    /// judged; null when Caddy gives none.
    /// </summary>
    public static async Task<(byte[] Config, string? ETag)> ReadCaddyAsync(string admin, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string? etag = null;
        var config = await WithinAsync(admin, timeout, null, deadline => FetchAsync(ProxyKind.Caddy, admin, tag => etag = tag, deadline), cancellationToken);
        return (config, etag);
    }

    private static async Task<byte[]> FetchAsync(ProxyKind kind, string url, Action<string?>? etag, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        if (uri.AbsolutePath is "" or "/")
        {
            uri = new Uri(uri, "/" + kind.AdminPath());
        }

        using var response = await Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProxyReadException(ProxyProblem.Unreachable, url, $"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (response.Content.Headers.ContentLength > MaxBytes)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, url, TooLarge(response.Content.Headers.ContentLength!.Value));
        }

        byte[] config;
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            config = await ReadBoundedAsync(body, url, cancellationToken);
        }

        // Read unvalidated: Caddy's tag holds a space, which a strict ETag parser refuses.
        etag?.Invoke(response.Headers.NonValidated.TryGetValues("ETag", out var header) ? header.ToString()
            : response.TrailingHeaders.NonValidated.TryGetValues("ETag", out var trailer) ? trailer.ToString()
            : null);
        return config;
    }

    /// <summary>One command over the runtime API (a Unix socket or TCP); the answer is all it writes before closing.</summary>
    public static async Task<byte[]> RuntimeApiAsync(string endpoint, string command, CancellationToken cancellationToken)
    {
        using var socket = endpoint.StartsWith("unix:", StringComparison.Ordinal)
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.StartsWith("unix:", StringComparison.Ordinal))
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
        return await ReadBoundedAsync(stream, endpoint, cancellationToken);
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, string source, CancellationToken cancellationToken)
    {
        using var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (answer.Length + read > MaxBytes)
            {
                throw new ProxyReadException(ProxyProblem.Invalid, source, TooLarge(answer.Length + read));
            }

            answer.Write(buffer, 0, read);
        }

        return answer.ToArray();
    }

    private static string TooLarge(long bytes) => $"{bytes:N0} bytes or more, larger than the {MaxBytes / (1024 * 1024)} MB a proxy config may have";
}
