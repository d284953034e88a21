namespace DriftFabric.Engine.Proxies;

/// <summary>
/// The proxies DriftFabric reads: each has its own config format, admin interface and rules.
/// Wherever a kind is text (the fleet spec, <c>check --proxy</c>, JSON, the group of a proxy's
/// resource, grain state) it is its name in <see cref="ProxyKinds.Names"/>.
/// </summary>
public enum ProxyKind
{
    Caddy,
    Haproxy,
    Envoy,
}

public static class ProxyKinds
{
    /// <summary>The kinds' names, in the order of <see cref="ProxyKind"/>: the one spelling of a kind as text.</summary>
    public static readonly IReadOnlyList<string> Names = ["caddy", "haproxy", "envoy"];

    public static string ToText(this ProxyKind kind) =>
        (uint)kind < (uint)Names.Count ? Names[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);

    public static bool TryParse(string? text, out ProxyKind kind)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], text, StringComparison.Ordinal))
            {
                kind = (ProxyKind)i;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>The kind <paramref name="text"/> names; a <see cref="FormatException"/> when it names none.</summary>
    public static ProxyKind Parse(string text) =>
        TryParse(text, out var kind) ? kind : throw new FormatException($"'{text}' is not a proxy kind ({string.Join(", ", Names)})");

    /// <summary>Where the admin API serves the running config when its URL names no path.</summary>
    public static string AdminPath(this ProxyKind kind) => kind switch
    {
        ProxyKind.Caddy => "config/",
        ProxyKind.Envoy => "config_dump",
        _ => string.Empty,
    };
}
