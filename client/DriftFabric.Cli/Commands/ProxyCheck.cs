using DriftFabric.Sources.Proxies;
using DriftFabric.Cli.Reports;
using DriftFabric.Engine;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Policy;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Cli.Commands;

/// <summary>
/// <c>check --proxy KIND --desired FILE --live URL|FILE</c>: one proxy's running config against the
/// config declared for it, reported as <c>check</c> reports Kubernetes drift (same formats, same exit statuses).
/// The live side is the admin API (Caddy, Envoy: an http(s) URL), the runtime API (HAProxy:
/// <c>unix:/path/of/the/stats.sock</c> or <c>tcp://host:port</c>) or a saved copy in a file.
/// </summary>
internal static class ProxyCheck
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static CheckReport Run(ProxyKind kind, string desiredPath, string live, DriftPolicy policy, TimeSpan timeout)
    {
        if (ProxyEndpoints.IsHttp(live) && Uri.TryCreate(live, UriKind.Absolute, out var url) && url.UserInfo.Length > 0)
        {
            // The endpoint is named in the report and its errors; credentials in it would be printed.
            return new CheckReport([], [new ManifestError("--live", 0, "an admin URL with credentials in it is refused: they would be shown in the report")], []);
        }

        var resource = ProxyComparison.Resource(kind, Name(live));
        try
        {
            var desired = ProxyConfigFile.ReadAsync(desiredPath).GetAwaiter().GetResult();
            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout }) { Timeout = Timeout.InfiniteTimeSpan };
            var running = new ProxyAdmins(http).ReadLiveAsync(kind, live, timeout).GetAwaiter().GetResult();
            var drifts = ProxyComparison.Compare(kind, resource, desired, desiredPath, running, live, policy);
            return new CheckReport(drifts, [], [new CheckedResource(resource, new SourceLocation(desiredPath, 1))]);
        }
        catch (ProxyReadException e)
        {
            return new CheckReport([], [new ManifestError(e.Origin, e.Line, e.Detail)], []);
        }
    }

    /// <summary>The proxy's name in the report: the admin endpoint's host:port, else the socket's or file's name.</summary>
    private static string Name(string live) =>
        ProxyEndpoints.IsHttp(live) && Uri.TryCreate(live, UriKind.Absolute, out var uri) ? uri.Authority
        : live.StartsWith("tcp://", StringComparison.Ordinal) ? live[6..].TrimEnd('/')
        : Path.GetFileNameWithoutExtension(live.StartsWith("unix:", StringComparison.Ordinal) ? live[5..] : live);
}
