using System.Net.Sockets;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Proxies;

/// <summary>What every proxy call shares: a deadline, failures named by endpoint, answers bounded in size.</summary>
internal static class ProxyCalls
{
    /// <summary>
    /// One call to a proxy within <paramref name="timeout"/>: no answer in time, or a connection or
    /// file that fails, is a <see cref="ProxyReadException"/> (unreachable) naming the endpoint and,
    /// when given, what was asked of it.
    /// </summary>
    public static async Task<T> WithinAsync<T>(string endpoint, TimeSpan timeout, string? asked, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
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

    /// <summary>All of <paramref name="stream"/>, refused beyond <see cref="ProxyEndpoints.MaxBytes"/>.</summary>
    public static async Task<byte[]> ReadBoundedAsync(Stream stream, string source, CancellationToken cancellationToken)
    {
        using var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (answer.Length + read > ProxyEndpoints.MaxBytes)
            {
                throw new ProxyReadException(ProxyProblem.Invalid, source, ProxyEndpoints.TooLarge(answer.Length + read));
            }

            answer.Write(buffer, 0, read);
        }

        return answer.ToArray();
    }

    /// <summary>A GET of an admin API's config (its default path when the URL names none), bounded; the ETag (header or trailer) to <paramref name="etag"/>.</summary>
    public static async Task<byte[]> FetchAsync(HttpClient http, ProxyKind kind, string url, Action<string?>? etag, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        if (uri.AbsolutePath is "" or "/")
        {
            uri = new Uri(uri, "/" + kind.AdminPath());
        }

        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProxyReadException(ProxyProblem.Unreachable, url, $"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (response.Content.Headers.ContentLength > ProxyEndpoints.MaxBytes)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, url, ProxyEndpoints.TooLarge(response.Content.Headers.ContentLength!.Value));
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
}
