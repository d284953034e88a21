namespace DriftFabric.Engine.Proxies;

/// <summary>Why a proxy's config could not be judged.</summary>
public enum ProxyProblem
{
    /// <summary>No answer: refused, timed out, an HTTP error, a file that cannot be read.</summary>
    Unreachable,

    /// <summary>An answer that is not a config of the proxy's kind (garbage, truncated, too large).</summary>
    Invalid,
}

/// <summary>
/// A proxy's config could not be read or made sense of: <c>SOURCE: unreachable|invalid: REASON</c>.
/// Credentials in a URL (<c>http://user:pass@host</c>) are never part of it: it is shown in reports,
/// statuses and logs.
/// </summary>
public sealed partial class ProxyReadException(ProxyProblem problem, string source, string reason, int line = 0, Exception? inner = null)
    : Exception($"{Redact(source)}{(line > 0 ? $":{line}" : string.Empty)}: {(problem == ProxyProblem.Invalid ? "invalid" : "unreachable")}: {Redact(reason)}", inner)
{
    public ProxyProblem Problem { get; } = problem;

    /// <summary>The endpoint or file, as it was given (without credentials).</summary>
    public string Origin { get; } = Redact(source);

    public int Line { get; } = line;

    /// <summary>What went wrong, without the source: <c>unreachable: REASON</c> or <c>invalid: REASON</c>.</summary>
    public string Detail => $"{(Problem == ProxyProblem.Invalid ? "invalid" : "unreachable")}: {Redact(reason)}";

    /// <summary>The text with the user information of every URL in it replaced by <c>***</c>.</summary>
    public static string Redact(string text) => text.Contains('@', StringComparison.Ordinal) ? UserInfo().Replace(text, "://***@") : text;

    [System.Text.RegularExpressions.GeneratedRegex(@"://[^/@\s]+@")]
    private static partial System.Text.RegularExpressions.Regex UserInfo();
}

/// <summary>What a proxy endpoint names: an admin API over HTTP, a runtime API socket, or else a file.</summary>
public static class ProxyEndpoints
{
    /// <summary>The largest config read: beyond this a proxy answers garbage, not a config.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    public static bool IsHttp(string endpoint) =>
        endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public static bool IsSocket(string endpoint) =>
        endpoint.StartsWith("unix:", StringComparison.Ordinal) || endpoint.StartsWith("tcp://", StringComparison.Ordinal);

    /// <summary>What a config beyond <see cref="MaxBytes"/> is called.</summary>
    public static string TooLarge(long bytes) => $"{bytes:N0} bytes or more, larger than the {MaxBytes / (1024 * 1024)} MB a proxy config may have";
}

/// <summary>A proxy's config changed between the read that judged it and the write that would have replaced it.</summary>
public sealed class ProxyChangedException(string admin)
    : Exception($"{ProxyReadException.Redact(admin)}: the config changed after it was read (If-Match did not hold); nothing was written");
