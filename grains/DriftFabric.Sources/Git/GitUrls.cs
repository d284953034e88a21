using System.Text.RegularExpressions;

namespace DriftFabric.Sources.Git;

/// <summary>
/// How Git remotes are written: the forms a URL may take (https, http, ssh, git, file, and scp's
/// <c>user@host:path</c>), the one spelling two URLs of the same repository share (to match a
/// push webhook's payload to the clusters that follow it), and the CLI's <c>URL[#ref][//path]</c>.
/// </summary>
public static partial class GitUrls
{
    private static readonly string[] Schemes = ["https://", "http://", "ssh://", "git://", "file://"];

    /// <summary>Whether <paramref name="text"/> names a Git remote rather than a local path.</summary>
    public static bool IsRemote(string text) =>
        Schemes.Any(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase)) || ScpLike().IsMatch(text);

    /// <summary>Whether the URL carries credentials (<c>user:password@</c>): refused, because URLs are shown in statuses and logs.</summary>
    public static bool HasPassword(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal);

    /// <summary>Whether the remote is reached over SSH (an <c>ssh://</c> URL or scp's <c>user@host:path</c>).</summary>
    public static bool IsSsh(string url) =>
        url.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase) || (!url.Contains("://", StringComparison.Ordinal) && ScpLike().IsMatch(url));

    /// <summary>
    /// The repository a URL names, whatever the protocol: host and path, lowercase, without a user,
    /// a default port or a trailing <c>.git</c>. GitHub's <c>clone_url</c>, <c>ssh_url</c> and
    /// <c>html_url</c> of one repository give the same text.
    /// </summary>
    public static string Normalize(string url)
    {
        var text = url.Trim();
        if (!text.Contains("://", StringComparison.Ordinal) && ScpLike().Match(text) is { Success: true } scp)
        {
            text = "ssh://" + scp.Groups["host"].Value + "/" + text[scp.Length..].TrimStart('/');
        }

        string hostAndPath;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            var port = uri.IsDefaultPort || uri.Port <= 0 || (uri.Scheme == "ssh" && uri.Port == 22) ? string.Empty : ":" + uri.Port;
            hostAndPath = uri.Host + port + uri.AbsolutePath;
        }
        else
        {
            hostAndPath = uri?.IsFile == true ? uri.LocalPath : text;
        }

        hostAndPath = hostAndPath.TrimEnd('/');
        if (hostAndPath.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            hostAndPath = hostAndPath[..^4];
        }

        return hostAndPath.ToLowerInvariant();
    }

    /// <summary>
    /// Whether a cluster following <paramref name="followed"/> is moved by a push to
    /// <paramref name="pushed"/> (<c>refs/heads/main</c>, <c>refs/tags/v1</c>): the same ref, written
    /// short or whole. A cluster following HEAD is moved by any push: the default branch is the remote's to say.
    /// </summary>
    public static bool RefMatches(string followed, string pushed) =>
        followed is "HEAD" || followed == pushed || "refs/heads/" + followed == pushed || "refs/tags/" + followed == pushed;

    /// <summary>
    /// Splits the CLI's <c>URL[#ref][//path]</c>: the path after the first <c>//</c> that follows the
    /// scheme's, the ref after <c>#</c>. A missing ref is <c>HEAD</c>, a missing path the whole tree.
    /// </summary>
    public static (string Url, string Ref, string Path) ParseLocator(string text)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var from = schemeEnd < 0 ? 0 : schemeEnd + 3;
        var path = string.Empty;
        var split = text.IndexOf("//", from, StringComparison.Ordinal);
        if (split >= 0)
        {
            path = text[(split + 2)..].Trim('/');
            text = text[..split];
        }

        var hash = text.LastIndexOf('#');
        var reference = "HEAD";
        if (hash >= 0)
        {
            reference = text[(hash + 1)..];
            text = text[..hash];
        }

        return (text, reference.Length == 0 ? "HEAD" : reference, path);
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]+@(?<host>[A-Za-z0-9.-]+):(?!//)")]
    private static partial Regex ScpLike();
}
