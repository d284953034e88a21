using DriftFabric.Abstractions;
using DriftFabric.Sources.Git;

namespace DriftFabric.Sources.Tests.Git;

/// <summary>
/// How credentials reach git: never on a command line or in a URL. The command git is given for
/// SSH is checked here; GitSshTests fetches with it from a real sshd.
/// </summary>
public sealed class GitAuthTests
{
    private static readonly Func<string, string?> NoVariables = _ => null;

    [Fact]
    public void An_ssh_remote_uses_only_the_named_key_and_known_hosts_and_never_asks()
    {
        var names = new GitCredentialNames(null, null, null, "/keys/id_ed25519", null, "/keys/known hosts");
        using var auth = GitAuth.For("git@github.com:acme/fleet.git", names, "/unused", NoVariables);

        var ssh = auth.Environment["GIT_SSH_COMMAND"];

        Assert.Equal("ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o 'IdentityFile=\"/keys/id_ed25519\"' -o IdentitiesOnly=yes -o 'UserKnownHostsFile=\"/keys/known hosts\"'", ssh);
        Assert.Null(auth.Problem);
    }

    [Fact]
    public void An_ssh_key_held_in_a_variable_is_a_file_only_its_owner_reads_removed_after_the_fetch()
    {
        using var scratch = new TempDirectory();
        var names = new GitCredentialNames(null, null, null, null, "FLEET_SSH_KEY", null);
        string keyFile;
        using (var auth = GitAuth.For("ssh://git@example.invalid/acme/fleet.git", names, scratch.Root, v => v == "FLEET_SSH_KEY" ? "-----BEGIN KEY-----\nabc\n-----END KEY-----" : null))
        {
            var ssh = auth.Environment["GIT_SSH_COMMAND"];
            keyFile = ssh.Split("IdentityFile=\"")[1].Split('"')[0];
            Assert.StartsWith(scratch.Root, keyFile, StringComparison.Ordinal);
            Assert.Equal("-----BEGIN KEY-----\nabc\n-----END KEY-----\n", File.ReadAllText(keyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(keyFile));
            Assert.DoesNotContain("BEGIN KEY", string.Join(" ", auth.Environment.Values), StringComparison.Ordinal);
        }

        Assert.False(File.Exists(keyFile));
    }

    [Fact]
    public void A_token_travels_as_a_header_in_the_environment_and_is_redacted_from_what_git_says()
    {
        var names = new GitCredentialNames(null, "FLEET_TOKEN", "oauth2", null, null, null);
        using var auth = GitAuth.For("https://gitlab.example.invalid/acme/fleet.git", names, "/unused", v => v == "FLEET_TOKEN" ? "glpat-secret" : null);

        var header = auth.Environment.Single(e => e.Value.StartsWith("Authorization:", StringComparison.Ordinal));
        var key = auth.Environment[header.Key.Replace("VALUE", "KEY", StringComparison.Ordinal)];

        Assert.Equal("http.extraHeader", key);
        Assert.Equal("Authorization: Basic " + Convert.ToBase64String("oauth2:glpat-secret"u8.ToArray()), header.Value);
        Assert.Equal("0", auth.Environment["GIT_TERMINAL_PROMPT"]);
        Assert.Equal("fatal: *** and ***", auth.Redact("fatal: glpat-secret and " + Convert.ToBase64String("oauth2:glpat-secret"u8.ToArray())));
        Assert.False(auth.Environment.ContainsKey("GIT_SSH_COMMAND"));
    }

    [Fact]
    public void A_missing_token_is_a_problem_that_names_where_it_was_looked_for_not_a_value()
    {
        var names = new GitCredentialNames("/nonexistent/token", null, null, null, null, null);
        using var auth = GitAuth.For("https://example.invalid/fleet.git", names, "/unused", NoVariables);

        Assert.Equal("token file /nonexistent/token cannot be read (DirectoryNotFoundException)", auth.Problem);
    }
}
