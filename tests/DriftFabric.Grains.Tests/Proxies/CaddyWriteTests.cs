using DriftFabric.Engine.Proxies;
using DriftFabric.Sources.Proxies;

namespace DriftFabric.Grains.Tests.Proxies;

/// <summary>A Caddy put back only if it still runs the config that was judged (its admin API's If-Match).</summary>
public sealed class CaddyWriteTests : IDisposable
{
    private readonly HttpClient _http = new();

    private CaddyAdmin Caddy => new(_http);

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task A_config_changed_between_the_read_and_the_write_is_never_overwritten()
    {
        await using var caddy = await CaddyServer.StartAsync(CaddyServer.ExampleConfig);
        var declared = await File.ReadAllBytesAsync(caddy.ConfigPath);
        var admin = caddy.Admin.ToString();
        await caddy.PatchAsync("config/apps/http/servers/srv0/routes/2/handle/0/body", "\"maintenance\"");

        var (_, judged) = await Caddy.ReadAsync(admin, TimeSpan.FromSeconds(5));
        // Another operator changes it again before the revert writes.
        await caddy.PatchAsync("config/apps/http/servers/srv0/routes/2/handle/0/body", "\"back soon\"");
        var refused = await Assert.ThrowsAsync<ProxyChangedException>(() => Caddy.LoadAsync(admin, declared, judged, TimeSpan.FromSeconds(5)));
        var untouched = (string?)(await caddy.ConfigAsync())["apps"]!["http"]!["servers"]!["srv0"]!["routes"]![2]!["handle"]![0]!["body"];

        var (_, current) = await Caddy.ReadAsync(admin, TimeSpan.FromSeconds(5));
        await Caddy.LoadAsync(admin, declared, current, TimeSpan.FromSeconds(5));
        var (running, _) = await Caddy.ReadAsync(admin, TimeSpan.FromSeconds(5));

        Assert.StartsWith("\"/config/ ", judged, StringComparison.Ordinal);
        Assert.NotEqual(judged, current);
        Assert.Contains("the config changed after it was read", refused.Message, StringComparison.Ordinal);
        Assert.Equal("back soon", untouched);
        Assert.Empty(ProxyComparison.Compare(ProxyKind.Caddy, ProxyComparison.Resource(ProxyKind.Caddy, "edge"), declared, caddy.ConfigPath, running, admin));
    }
}
