using System.Text;
using DriftFabric.Abstractions;

namespace DriftFabric.Sources.Git;

/// <summary>
/// The environment one fetch runs git in: no prompt, no user or system configuration, no
/// credential helper (nothing is stored), and the remote's credentials read at this fetch from
/// where the spec names them: an HTTPS token as an <c>Authorization</c> header given through
/// <c>GIT_CONFIG_COUNT</c>/<c>KEY</c>/<c>VALUE</c> (never a command line, a URL or a config file),
/// or an SSH key through <c>GIT_SSH_COMMAND</c> (a key held in an environment variable is written
/// to a file only the silo's user can read, removed after the fetch).
/// </summary>
internal sealed class GitAuth : IDisposable
{
    private readonly List<string> _secrets = [];
    private string? _keyFile;

    private GitAuth(Dictionary<string, string> environment) => Environment = environment;

    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The credentials' problem (a variable not set, a file not readable), worded without their values; null when they could be read.</summary>
    public string? Problem { get; private set; }

    /// <summary>The environment for <paramref name="url"/> with the credentials <paramref name="names"/> names, read through <paramref name="variables"/>.</summary>
    /// <param name="scratch">A folder of the silo's own for a key held in an environment variable.</param>
    public static GitAuth For(string url, GitCredentialNames names, string scratch, Func<string, string?> variables)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = "/bin/false",
            ["SSH_ASKPASS"] = "/bin/false",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["LC_ALL"] = "C",

            // Only the transports a fleet spec may name: never ext:: (a command) or fd::.
            ["GIT_ALLOW_PROTOCOL"] = "https:http:ssh:git:file",
        };
        var config = new List<(string Key, string Value)> { ("credential.helper", string.Empty), ("gc.auto", "0") };
        var auth = new GitAuth(environment);
        if (names.TokenFile is not null || names.TokenEnv is not null)
        {
            if (auth.Read(names.TokenFile, names.TokenEnv, "token", variables) is { } token)
            {
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes((names.Username ?? "x-access-token") + ":" + token));
                auth._secrets.Add(token);
                auth._secrets.Add(basic);
                config.Add(("http.extraHeader", "Authorization: Basic " + basic));
            }
        }

        if (GitUrls.IsSsh(url))
        {
            environment["GIT_SSH_COMMAND"] = auth.SshCommand(names, scratch, variables);
        }

        environment["GIT_CONFIG_COUNT"] = config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < config.Count; i++)
        {
            environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
            environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
        }

        return auth;
    }

    /// <summary>
    /// <c>ssh</c> that never asks (BatchMode), offers only the named key, and trusts only the
    /// named known_hosts (a host not in it is refused); without a known_hosts file, the user's.
    /// </summary>
    private string SshCommand(GitCredentialNames names, string scratch, Func<string, string?> variables)
    {
        var command = new StringBuilder("ssh -o BatchMode=yes -o StrictHostKeyChecking=yes");
        var keyFile = names.SshKeyFile;
        if (keyFile is null && names.SshKeyEnv is not null && Read(null, names.SshKeyEnv, "sshKey", variables) is { } key)
        {
            Directory.CreateDirectory(scratch);
            keyFile = Path.Combine(scratch, "key-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(keyFile, string.Empty);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.WriteAllText(keyFile, key.EndsWith('\n') ? key : key + "\n");
            _keyFile = keyFile;
        }

        // Both paths as -o options, read by ssh's config parser (which splits a value at spaces
        // unless quoted) and later %-expanded: not -i, whose path ssh checks before expanding it,
        // so that a path holding a % could not be given at all.
        if (keyFile is not null)
        {
            command.Append(" -o ").Append(Quote("IdentityFile=" + SshConfigWord(SshPath(keyFile)))).Append(" -o IdentitiesOnly=yes");
        }

        if (names.KnownHostsFile is not null)
        {
            command.Append(" -o ").Append(Quote("UserKnownHostsFile=" + SshConfigWord(SshPath(names.KnownHostsFile))));
        }

        return command.ToString();
    }

    /// <summary>A path as ssh's %-token expansion gives it back: a literal <c>%</c> doubled.</summary>
    private static string SshPath(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>One word of an ssh config line: double-quoted, its <c>\</c> and <c>"</c> escaped.</summary>
    private static string SshConfigWord(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A POSIX shell word: git runs GIT_SSH_COMMAND through the shell.</summary>
    internal static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private string? Read(string? file, string? variable, string what, Func<string, string?> variables)
    {
        if (file is not null)
        {
            try
            {
                var text = File.ReadAllText(file).Trim();
                if (text.Length > 0)
                {
                    return text;
                }

                Problem = $"{what} file {file} is empty";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Problem = $"{what} file {file} cannot be read ({e.GetType().Name})";
            }

            return null;
        }

        if (variables(variable!) is { Length: > 0 } value)
        {
            return value.Trim();
        }

        Problem = $"{what} environment variable {variable} is not set";
        return null;
    }

    /// <summary>The text with every credential this fetch holds replaced: what git says may echo a header back.</summary>
    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    public void Dispose()
    {
        if (_keyFile is not null)
        {
            File.Delete(_keyFile);
            _keyFile = null;
        }
    }
}
