using System.Net.Http.Headers;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Proxies;

/// <summary>Caddy's admin API: its running config (with the ETag that names it), and loading a config in its place.</summary>
public sealed class CaddyAdmin(HttpClient http)
{
    /// <summary>
    /// Caddy's running config with the ETag its admin API gives it (<c>"/config/ HASH"</c>, a trailer
    /// in Caddy 2.6), which a write names in <c>If-Match</c> so that it replaces only the config it
    /// judged; null when Caddy gives none.
    /// </summary>
    public async Task<(byte[] Config, string? ETag)> ReadAsync(string admin, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string? etag = null;
        var config = await ProxyCalls.WithinAsync(admin, timeout, null, deadline => ProxyCalls.FetchAsync(http, ProxyKind.Caddy, admin, tag => etag = tag, deadline), cancellationToken);
        return (config, etag);
    }

    /// <summary>
    /// Loads <paramref name="config"/> as Caddy's whole config. With the <paramref name="etag"/> of the
    /// config that was judged, it replaces that config only (<c>POST /config/</c> with <c>If-Match</c>):
    /// a config changed since is a <see cref="ProxyChangedException"/>, never overwritten. Without one
    /// (a Caddy that gives none), <c>POST /load</c>. A <see cref="ProxyReadException"/> when Caddy
    /// refuses or cannot be reached.
    /// </summary>
    public Task LoadAsync(string admin, byte[] config, string? etag, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ProxyCalls.WithinAsync(admin, timeout, null, async deadline =>
        {
            var uri = new Uri(new Uri(admin), etag is null ? "/load" : "/config/");
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(config) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", etag);
            }

            using var response = await http.SendAsync(request, deadline);
            if (response.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
            {
                throw new ProxyChangedException(admin);
            }

            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(deadline);
                throw new ProxyReadException(ProxyProblem.Invalid, admin, $"{uri} refused the config: {(int)response.StatusCode} {body.Trim()}");
            }

            return true;
        }, cancellationToken);
}
