using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Proxies;

/// <summary>Envoy's admin API: its <c>/config_dump</c>. Nothing is written: a sidecar takes its config from its control plane.</summary>
public sealed class EnvoyAdmin(HttpClient http)
{
    public Task<byte[]> ReadAsync(string admin, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ProxyCalls.WithinAsync(admin, timeout, null, deadline => ProxyCalls.FetchAsync(http, ProxyKind.Envoy, admin, null, deadline), cancellationToken);
}
