namespace DriftFabric.Engine.Proxies;

/// <summary>The proxies DriftFabric reads: each has its own config format, admin interface and rules.</summary>
public enum ProxyKind
{
    Caddy,
    Haproxy,
    Envoy,
}

public static class ProxyKinds
{
    public static readonly IReadOnlyList<string> Names = ["caddy", "haproxy", "envoy"];

    public static string ToText(this ProxyKind kind) => Names[(int)kind];

    public static bool TryParse(string? text, out ProxyKind kind)
    {
        var index = text is null ? -1 : Names.ToList().IndexOf(text);
        kind = index < 0 ? default : (ProxyKind)index;
        return index >= 0;
    }

    /// <summary>Where the admin API serves the running config when its URL names no path.</summary>
    public static string AdminPath(this ProxyKind kind) => kind switch
    {
        ProxyKind.Caddy => "config/",
        ProxyKind.Envoy => "config_dump",
        _ => string.Empty,
    };
}
