using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Proxies;

/// <summary>
/// The admin clients of the proxy kinds (HAProxy's runtime socket is <see cref="HaproxyRuntimeApi"/>), over one <see cref="HttpClient"/> (the silo's comes from
/// <c>IHttpClientFactory</c>; the CLI makes its own): what a proxy runs, read from its admin API,
/// its runtime socket, or a saved copy in a file.
/// </summary>
public sealed class ProxyAdmins(HttpClient http)
{
    /// <summary>The name of the silo's <c>IHttpClientFactory</c> client for proxies' admin APIs.</summary>
    public const string HttpClientName = "proxy-admin";

    public CaddyAdmin Caddy { get; } = new(http);

    public EnvoyAdmin Envoy { get; } = new(http);

    /// <summary>The running config, within <paramref name="timeout"/>; a <see cref="ProxyReadException"/> naming the endpoint otherwise.</summary>
    public async Task<byte[]> ReadLiveAsync(ProxyKind kind, string endpoint, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (ProxyEndpoints.IsSocket(endpoint))
        {
            return await HaproxyRuntimeApi.ReadAsync(endpoint, timeout, cancellationToken);
        }

        if (!ProxyEndpoints.IsHttp(endpoint))
        {
            return await ProxyCalls.WithinAsync(endpoint, timeout, null, deadline => ProxyConfigFile.ReadAsync(endpoint, deadline), cancellationToken);
        }

        return kind switch
        {
            ProxyKind.Caddy => (await Caddy.ReadAsync(endpoint, timeout, cancellationToken)).Config,
            ProxyKind.Envoy => await Envoy.ReadAsync(endpoint, timeout, cancellationToken),
            _ => await ProxyCalls.WithinAsync(endpoint, timeout, null, deadline => ProxyCalls.FetchAsync(http, kind, endpoint, null, deadline), cancellationToken),
        };
    }
}
