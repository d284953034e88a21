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
    public static readonly string[] Kinds = ["caddy"];

    public static CheckReport Run(string kind, string desiredPath, string live)
    {
        var errors = new List<ManifestError>();
        var resource = new ResourceKey(kind, "Proxy", ResourceKey.ClusterScope, Name(live));
        var desired = Read(desiredPath, File.ReadAllBytes, errors);
        var running = live.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || live.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? Read(live, Fetch, errors)
            : Read(live, File.ReadAllBytes, errors);
        if (desired is null || running is null)
        {
            return new CheckReport([], errors, []);
        }

        var drifts = CaddyComparer.Compare(resource, desired, running, new SourceLocation(desiredPath, 0));
        return new CheckReport(drifts, errors, [new CheckedResource(resource, new SourceLocation(desiredPath, 1))]);
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

    /// <summary>The running config from the admin API: <c>GET /config/</c> unless the URL names a path.</summary>
    private static byte[] Fetch(string url)
    {
        var uri = new Uri(url);
        if (uri.AbsolutePath is "" or "/")
        {
            uri = new Uri(uri, "/config/");
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
