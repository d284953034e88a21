namespace DriftFabric.Sources.Git;

/// <summary>Why a Git remote could not give a cluster its desired state.</summary>
public enum GitFailureKind
{
    Unreachable,
    AuthFailed,
    HostKeyRejected,
    RefNotFound,
    Oversized,
    TimedOut,
    Credentials,
    ForcePushed,
    PathNotFound,
    Failed,
}

/// <summary>A failed fetch: its kind, and a message fit for a status (no credential in it).</summary>
public sealed record GitFailure(GitFailureKind Kind, string Message)
{
    /// <summary>
    /// What git's own words (in the C locale) say went wrong, with its last <c>fatal:</c> or
    /// <c>error:</c> line as the detail; <paramref name="stderr"/> is already redacted.
    /// </summary>
    public static GitFailure From(string @ref, string stderr)
    {
        var detail = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith("fatal:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal))
            ?? stderr.Trim();
        // Over SSH git's last words say nothing of why: ssh's own line before them does.
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var fatalAt = Array.FindIndex(lines, l => l.StartsWith("fatal: Could not read from remote repository", StringComparison.Ordinal));
        if (fatalAt > 0)
        {
            detail = lines[fatalAt - 1] + " (" + detail + ")";
        }

        if (detail.Length > 300)
        {
            detail = detail[..300];
        }

        bool Says(params string[] words) => words.Any(w => stderr.Contains(w, StringComparison.OrdinalIgnoreCase));

        // Over SSH git's own last words are "Could not read from remote repository" whatever
        // happened: ssh's line before them says why (and names the host, never the key).
        if (Says("Host key verification failed"))
        {
            var why = SshLine(stderr, "has changed and you have requested strict checking", "host key is known for", "Host key verification failed");
            return new(GitFailureKind.HostKeyRejected, "host key refused: the server's key is not the one known_hosts holds for it: " + why);
        }

        if (Says("bad permissions") && Says("UNPROTECTED PRIVATE KEY FILE"))
        {
            var why = SshLine(stderr, "are too open", "bad permissions");
            return new(GitFailureKind.Credentials, "credentials: ssh ignores a key file others can read (it must be mode 0600): " + why);
        }

        if (Says("Permission denied (publickey"))
        {
            return new(GitFailureKind.AuthFailed, "authentication refused: " + SshLine(stderr, "Permission denied (publickey"));
        }

        if (Says("Authentication failed", "could not read Username", "could not read Password", "returned error: 401", "returned error: 403", "terminal prompts disabled"))
        {
            return new(GitFailureKind.AuthFailed, "authentication failed: " + detail);
        }

        if (Says("couldn't find remote ref", "not our ref", "no such remote ref", "unadvertised object", "remote error: upload-pack: not our ref"))
        {
            return new(GitFailureKind.RefNotFound, $"ref '{@ref}' is not in the repository (deleted, or never pushed): {detail}");
        }

        if (Says("Could not resolve host", "Connection refused", "Failed to connect", "unable to connect", "Could not read from remote repository", "does not appear to be a git repository", "not found", "returned error: 404", "Connection timed out", "No route to host", "unable to access"))
        {
            return new(GitFailureKind.Unreachable, "remote unreachable: " + detail);
        }

        return new(GitFailureKind.Failed, "fetch failed: " + detail);
    }

    /// <summary>The first of ssh's lines holding one of <paramref name="marks"/> (tried in order), at most 300 characters.</summary>
    private static string SshLine(string stderr, params string[] marks)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = marks.Select(m => lines.FirstOrDefault(l => l.Contains(m, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(l => l is not null) ?? stderr.Trim();
        return line.Length > 300 ? line[..300] : line;
    }
}
