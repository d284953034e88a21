using System.Net.Sockets;
using System.Text;
using DriftFabric.Cli.Reports;
using DriftFabric.Engine;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Cli.Commands;

/// <summary>
/// <c>check --proxy KIND --desired FILE --live URL|FILE</c>: one proxy's running config against the
/// config declared for it, reported as <c>check</c> reports Kubernetes drift (same formats, same exit statuses).
/// </summary>
internal static class ProxyCheck
{
    public static readonly string[] Kinds = ["caddy", "haproxy", "envoy"];

    public static CheckReport Run(string kind, string desiredPath, string live) => kind switch
    {
        "haproxy" => RunHaproxy(desiredPath, live),
        "envoy" => RunJson(desiredPath, live, "envoy", "config_dump", (resource, desired, running) => EnvoyComparer.Compare(resource, desired, running)),
        _ => RunJson(desiredPath, live, "caddy", "config/", (resource, desired, running) => CaddyComparer.Compare(resource, desired, running, new SourceLocation(desiredPath, 0))),
    };

    /// <summary>HAProxy: the <c>haproxy.cfg</c> of the repo against the runtime API (<c>unix:/path/of/the/stats.sock</c>) or a saved <c>show servers state</c>.</summary>
    private static CheckReport RunHaproxy(string desiredPath, string live)
    {
        var errors = new List<ManifestError>();
        var resource = new ResourceKey("haproxy", "Proxy", ResourceKey.ClusterScope, Path.GetFileNameWithoutExtension(live.StartsWith("unix:", StringComparison.Ordinal) ? live[5..] : live));
        string desiredText;
        try
        {
            desiredText = File.ReadAllText(desiredPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CheckReport([], [new ManifestError(desiredPath, 0, "cannot read: " + e.Message)], []);
        }

        var desired = HaproxyComparer.ParseConfig(desiredText, desiredPath, errors);
        string? liveText = null;
        try
        {
            liveText = live.StartsWith("unix:", StringComparison.Ordinal) ? RuntimeApi(live[5..], "show servers state") : File.ReadAllText(live);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException or TimeoutException)
        {
            errors.Add(new ManifestError(live, 0, "unreachable: " + e.Message));
        }

        var running = liveText is null ? null : HaproxyComparer.ParseServersState(liveText, live, errors);
        if (running is null)
        {
            return new CheckReport([], errors, []);
        }

        var drifts = HaproxyComparer.Compare(resource, desired, running, new SourceLocation(desiredPath, 0));
        return new CheckReport(drifts, errors, [new CheckedResource(resource, new SourceLocation(desiredPath, 1))]);
    }

    /// <summary>One command over the runtime API's Unix socket; the answer is all it writes before closing.</summary>
    private static string RuntimeApi(string socketPath, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        {
            ReceiveTimeout = 10_000,
            SendTimeout = 10_000,
        };
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        socket.Send(Encoding.ASCII.GetBytes(command + "\n"));
        using var answer = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = socket.Receive(buffer)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
    }

    /// <summary>A proxy whose config is JSON (Caddy, Envoy): a file against the admin API (<paramref name="adminPath"/> unless the URL names one) or a dump.</summary>
    private static CheckReport RunJson(string desiredPath, string live, string kind, string adminPath, Func<ResourceKey, MapNode, MapNode, IReadOnlyList<Drift>> compare)
    {
        var errors = new List<ManifestError>();
        var resource = new ResourceKey(kind, "Proxy", ResourceKey.ClusterScope, Name(live));
        var desired = Read(desiredPath, File.ReadAllBytes, errors);
        var running = live.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || live.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? Read(live, url => Fetch(url, adminPath), errors)
            : Read(live, File.ReadAllBytes, errors);
        if (desired is null || running is null)
        {
            return new CheckReport([], errors, []);
        }

        return new CheckReport(compare(resource, desired, running), errors, [new CheckedResource(resource, new SourceLocation(desiredPath, 1))]);
    }

    /// <summary>A proxy's config as one JSON value, or null with an error naming the source.</summary>
    private static MapNode? Read(string source, Func<string, byte[]> load, List<ManifestError> errors)
    {
        byte[] bytes;
        try
        {
            bytes = load(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or TaskCanceledException)
        {
            errors.Add(new ManifestError(source, 0, e is TaskCanceledException ? "unreachable: no answer within 10 s" : (e is HttpRequestException ? "unreachable: " : "cannot read: ") + e.Message));
            return null;
        }

        try
        {
            var values = JsonReader.ReadValues(bytes);
            if (values is [MapNode config])
            {
                return config;
            }

            errors.Add(new ManifestError(source, 0, "invalid: a proxy config is one JSON object"));
        }
        catch (ParseException e)
        {
            errors.Add(new ManifestError(source, e.Line, "invalid: " + e.Message));
        }

        return null;
    }

    /// <summary>The running config from the admin API: <paramref name="adminPath"/> unless the URL names a path.</summary>
    private static byte[] Fetch(string url, string adminPath)
    {
        var uri = new Uri(url);
        if (uri.AbsolutePath is "" or "/")
        {
            uri = new Uri(uri, "/" + adminPath);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = http.GetAsync(uri).GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
    }

    /// <summary>The proxy's name in the report: the admin endpoint's host:port, or the file's name.</summary>
    private static string Name(string live) =>
        Uri.TryCreate(live, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.Authority : Path.GetFileNameWithoutExtension(live);
}
