using DriftFabric.Abstractions;
using DriftFabric.Sources.Git;
using Microsoft.Extensions.Time.Testing;

namespace DriftFabric.Sources.Tests.Git;

/// <summary>
/// The Git source over SSH against a real OpenSSH server (<see cref="SshGitServer"/>) on loopback,
/// with keys and host keys made by <c>ssh-keygen</c> for the test: what is fetched, and what a
/// refused key, a host key known_hosts does not hold and a key file others can read are reported
/// as, without the key anywhere.
/// </summary>
public sealed class GitSshTests : IDisposable
{
    private const string KeyVariable = "FLEET_SSH_KEY";
    private readonly TempDirectory _cacheFolder = new("driftfabric-git-cache-");
    private readonly TempDirectory _keys = new("driftfabric-ssh-keys-");
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _log = new();
    private readonly List<GitSource> _sources = [];
    private readonly GitCache _cache;

    public GitSshTests() =>
        _cache = new GitCache(new GitCacheOptions { Directory = _cacheFolder.Root, MaxRepositoryBytes = 64L << 20, MaxTotalBytes = 256L << 20, FetchTimeout = TimeSpan.FromSeconds(60) }, _time, _log);

    private GitSource Source(string url, GitCredentialNames credentials, Func<string, string?>? variables = null)
    {
        var source = new GitSource(new GitDesired(url, "main", "deploy", TimeSpan.FromMinutes(1)) { Credentials = credentials }, _cache, _log, variables ?? (_ => null));
        _sources.Add(source);
        return source;
    }

    private static GitCredentialNames KeyFile(string keyFile, string knownHosts) => new(null, null, null, keyFile, null, knownHosts);

    private static string ConfigMap(string name, string value = "one") =>
        $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\ndata:\n  key: {value}\n";

    private static GitRepo RepoWithWeb(out string first)
    {
        var repo = GitRepo.Create();
        repo.Write("deploy/web.yaml", ConfigMap("web"));
        first = repo.Commit("first");
        return repo;
    }

    private static List<string> Names(GitSource source)
    {
        using var set = source.Read();
        Assert.Empty(set.Errors);
        return [.. set.Manifests.Select(m => m.Name).Order(StringComparer.Ordinal)];
    }

    private static string ErrorsOf(GitSource source)
    {
        using var set = source.Read();
        return string.Join("\n", set.Errors);
    }

    /// <summary>Asserts no line of the private key (its whole text, and each line of its body) is in the errors, the log, the fingerprint or the cache's files.</summary>
    private void AssertKeyNowhere(string privateKeyFile, string errors, GitSource source)
    {
        var key = File.ReadAllText(privateKeyFile);
        var body = key.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(body);
        var logged = string.Join("\n", _log.Entries.SelectMany(e => e.Values).Select(v => v.Value?.ToString()));
        Assert.NotEmpty(logged);
        var cached = string.Join("\n", Directory.EnumerateFiles(_cacheFolder.Root, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        foreach (var secret in body.Append(key.Trim()))
        {
            Assert.DoesNotContain(secret, errors, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, source.Fingerprint(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, cached, StringComparison.Ordinal);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_file_fetches_over_ssh_and_a_refresh_takes_the_new_commit()
    {
        using var repo = RepoWithWeb(out var first);
        await using var sshd = await SshGitServer.StartAsync();

        // Paths with spaces, quotes and a %: git runs GIT_SSH_COMMAND through the shell, and ssh
        // expands %-tokens in both and splits a known_hosts option at spaces.
        var keyFile = _keys.Write("it's 100% a key/id_ed25519", File.ReadAllText(sshd.ClientKeyFile));
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var knownHosts = _keys.Write("known 'hosts' \"100%\"", File.ReadAllText(sshd.KnownHostsFile));
        var source = Source(sshd.UrlOf(repo.Root), KeyFile(keyFile, knownHosts));

        Assert.Equal(["web"], Names(source));
        Assert.Equal(first, source.Revision);

        repo.Write("deploy/api.yaml", ConfigMap("api"));
        var second = repo.Commit("second");
        source.Refresh();

        Assert.Equal(second, (await Eventually.ReachAsync(() => source, s => s.Commit == second)).Commit);
        Assert.Null(source.Failure);
        Assert.Equal(["api", "web"], Names(source));
        Assert.Contains("Accepted publickey for " + sshd.User, sshd.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_held_in_an_environment_variable_fetches_over_ssh_and_leaves_no_key_file_or_key_text_behind()
    {
        using var repo = RepoWithWeb(out var first);
        await using var sshd = await SshGitServer.StartAsync();
        var key = File.ReadAllText(sshd.ClientKeyFile);
        var names = new GitCredentialNames(null, null, null, null, KeyVariable, sshd.KnownHostsFile);
        var source = Source(sshd.UrlOf(repo.Root), names, v => v == KeyVariable ? key : null);

        Assert.Equal(["web"], Names(source));
        Assert.Equal(first, source.Revision);
        Assert.DoesNotContain(Directory.EnumerateFiles(_cacheFolder.Root, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("PRIVATE KEY", StringComparison.Ordinal));
        AssertKeyNowhere(sshd.ClientKeyFile, ErrorsOf(source), source);
    }

    [Fact]
    public async Task A_key_the_server_does_not_accept_is_refused_as_authentication_naming_the_remote_without_the_key()
    {
        using var repo = RepoWithWeb(out _);
        await using var sshd = await SshGitServer.StartAsync();
        var otherKey = SshGitServer.NewKeyPair(_keys.PathOf("other/id_ed25519"));
        var url = sshd.UrlOf(repo.Root);
        var source = Source(url, KeyFile(otherKey, sshd.KnownHostsFile));

        var errors = ErrorsOf(source);

        Assert.Equal(GitFailureKind.AuthFailed, source.Failure?.Kind);
        Assert.Contains("authentication refused", errors, StringComparison.Ordinal);
        Assert.Contains("Permission denied (publickey)", errors, StringComparison.Ordinal);
        Assert.Contains(url, errors, StringComparison.Ordinal);
        Assert.Null(source.Commit);
        AssertKeyNowhere(otherKey, errors, source);
    }

    [Fact]
    public async Task A_server_whose_host_key_known_hosts_does_not_hold_is_refused_as_such_and_never_logged_into()
    {
        using var repo = RepoWithWeb(out _);
        await using var sshd = await SshGitServer.StartAsync();
        var otherHost = SshGitServer.NewKeyPair(_keys.PathOf("other-host/host_ed25519"));
        var url = sshd.UrlOf(repo.Root);
        var changed = Source(url, KeyFile(sshd.ClientKeyFile, _keys.Write("changed_known_hosts", sshd.KnownHostsLineWith(otherHost))));
        var unknown = Source(url, KeyFile(sshd.ClientKeyFile, _keys.Write("empty_known_hosts", string.Empty)));

        var changedErrors = ErrorsOf(changed);
        var unknownErrors = ErrorsOf(unknown);

        Assert.Equal(GitFailureKind.HostKeyRejected, changed.Failure?.Kind);
        Assert.Contains("host key refused", changedErrors, StringComparison.Ordinal);
        Assert.Contains($"Host key for [127.0.0.1]:{sshd.Port} has changed", changedErrors, StringComparison.Ordinal);
        Assert.Contains(url, changedErrors, StringComparison.Ordinal);
        Assert.Equal(GitFailureKind.HostKeyRejected, unknown.Failure?.Kind);
        Assert.Contains($"host key is known for [127.0.0.1]:{sshd.Port}", unknownErrors, StringComparison.Ordinal);
        Assert.DoesNotContain("Accepted publickey", sshd.Log, StringComparison.Ordinal);
        AssertKeyNowhere(sshd.ClientKeyFile, changedErrors + unknownErrors, changed);
    }

    [Fact]
    public async Task A_stopped_ssh_server_is_unreachable_with_ssh_s_own_reason()
    {
        using var repo = RepoWithWeb(out _);
        var sshd = await SshGitServer.StartAsync();
        var url = sshd.UrlOf(repo.Root);
        var knownHosts = _keys.Write("known_hosts", File.ReadAllText(sshd.KnownHostsFile));
        var keyFile = _keys.Write("id_ed25519", File.ReadAllText(sshd.ClientKeyFile));
        await sshd.DisposeAsync();
        var source = Source(url, KeyFile(keyFile, knownHosts));

        var errors = ErrorsOf(source);

        Assert.Equal(GitFailureKind.Unreachable, source.Failure?.Kind);
        Assert.Contains($"remote unreachable: ssh: connect to host 127.0.0.1 port {sshd.Port}: Connection refused", errors, StringComparison.Ordinal);
        Assert.Contains(url, errors, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_file_others_can_read_is_reported_as_ssh_ignoring_it()
    {
        using var repo = RepoWithWeb(out _);
        await using var sshd = await SshGitServer.StartAsync();
        var openKey = _keys.Write("open/id_ed25519", File.ReadAllText(sshd.ClientKeyFile));
        File.SetUnixFileMode(openKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var source = Source(sshd.UrlOf(repo.Root), KeyFile(openKey, sshd.KnownHostsFile));

        var errors = ErrorsOf(source);

        Assert.Equal(GitFailureKind.Credentials, source.Failure?.Kind);
        Assert.Contains("must be mode 0600", errors, StringComparison.Ordinal);
        Assert.Contains(openKey, errors, StringComparison.Ordinal);
        AssertKeyNowhere(openKey, errors, source);
    }

    public void Dispose()
    {
        foreach (var source in _sources)
        {
            source.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _cache.Dispose();
        _cacheFolder.Dispose();
        _keys.Dispose();
    }
}
