using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Sources.Git;
using Microsoft.Extensions.Time.Testing;

namespace DriftFabric.Sources.Tests.Git;

/// <summary>
/// The Git source against real repositories made with the git CLI, served by <c>file://</c>,
/// a real <c>git daemon</c> and the real <c>git http-backend</c> (with and without a token), all
/// on loopback; the interval runs on a fake clock.
/// </summary>
public sealed class GitSourceTests : IDisposable
{
    private const string Token = "tok-3f9a1c77e2b54d0a";
    private readonly TempDirectory _cacheFolder = new("driftfabric-git-cache-");
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _log = new();
    private readonly List<IAsyncDisposable> _sources = [];

    private readonly List<GitCache> _caches = [];

    /// <summary>A cache disposed after the sources (at the end of the test), as a silo disposes it after its grains.</summary>
    private GitCache Cache(long maxRepositoryBytes = 64L << 20, long? maxTotalBytes = null, TimeSpan? fetchTimeout = null)
    {
        var cache = new GitCache(new GitCacheOptions { Directory = _cacheFolder.Root, MaxRepositoryBytes = maxRepositoryBytes, MaxTotalBytes = maxTotalBytes ?? maxRepositoryBytes * 4, FetchTimeout = fetchTimeout ?? TimeSpan.FromSeconds(60) }, _time, _log);
        _caches.Add(cache);
        return cache;
    }

    private GitSource Source(GitCache cache, string url, string @ref = "main", string path = "deploy", GitCredentialNames? credentials = null, Func<string, string?>? variables = null)
    {
        var source = new GitSource(new GitDesired(url, @ref, path, TimeSpan.FromMinutes(1)) { Credentials = credentials ?? GitCredentialNames.None }, cache, _log, variables ?? (_ => null));
        _sources.Add(source);
        return source;
    }

    private static string ConfigMap(string name, string value = "one") =>
        $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\ndata:\n  key: {value}\n";

    private static GitRepo RepoWithWeb(out string first)
    {
        var repo = GitRepo.Create();
        repo.Write("deploy/web.yaml", ConfigMap("web"));
        repo.Write("README.md", "not read: outside the path");
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

    private static Task<GitSource> ReachAsync(GitSource source, Func<GitSource, bool> done) => Eventually.ReachAsync(() => source, done);

    [Fact]
    public async Task A_file_url_repository_is_read_at_its_commit_and_a_new_commit_is_read_after_the_interval()
    {
        using var repo = RepoWithWeb(out var first);
        var cache = Cache();
        var source = Source(cache, repo.FileUrl);

        Assert.Equal(["web"], Names(source));
        Assert.Equal(first, source.Revision);
        var before = source.Fingerprint();

        repo.Write("deploy/api.yaml", ConfigMap("api"));
        var second = repo.Commit("second");
        _time.Advance(TimeSpan.FromMinutes(1));
        await ReachAsync(source, s => s.Commit == second);

        Assert.Equal(second, source.Commit);
        Assert.NotEqual(before, source.Fingerprint());
        Assert.Equal(["api", "web"], Names(source));
        Assert.Equal(second, source.Revision);
    }

    [Fact]
    public async Task A_refresh_fetches_at_once_from_git_daemon()
    {
        using var repo = RepoWithWeb(out var first);
        await using var daemon = await GitDaemon.StartAsync(repo.ServedFolder);
        var cache = Cache();
        var source = Source(cache, daemon.UrlOf(repo.Name));
        Assert.Equal(["web"], Names(source));
        Assert.Equal(first, source.Revision);

        repo.Write("deploy/web.yaml", ConfigMap("web", "two"));
        var second = repo.Commit();
        source.Refresh();

        Assert.Equal(second, (await ReachAsync(source, s => s.Commit == second)).Commit);
        Assert.Null(source.Failure);
    }

    [Fact]
    public async Task Http_backend_with_a_token_is_read_and_a_wrong_token_is_refused_without_the_token_anywhere()
    {
        using var repo = RepoWithWeb(out var first);
        await using var server = await GitHttpServer.StartAsync(repo.ServedFolder, Token);
        var cache = Cache();
        var names = new GitCredentialNames(null, "FLEET_GIT_TOKEN", null, null, null, null);
        var good = Source(cache, server.UrlOf(repo.Name), credentials: names, variables: v => v == "FLEET_GIT_TOKEN" ? Token : null);
        var wrongToken = "tok-wrong-0000000000";
        using var secrets = new TempDirectory("driftfabric-git-token-");
        var bad = Source(cache, server.UrlOf(repo.Name), path: "", credentials: names with { TokenFile = secrets.Write("token", wrongToken + "\n"), TokenEnv = null });

        Assert.Equal(["web"], Names(good));
        Assert.Equal(first, good.Revision);
        Assert.Contains(server.Requests, r => r.Authorization is { } a && a.StartsWith("Basic ", StringComparison.Ordinal));

        var errors = ErrorsOf(bad);
        Assert.Equal(GitFailureKind.AuthFailed, bad.Failure?.Kind);
        Assert.Contains("authentication failed", errors, StringComparison.Ordinal);
        Assert.Contains(server.UrlOf(repo.Name), errors, StringComparison.Ordinal);

        string[] values = [Token, wrongToken, Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token)), Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + wrongToken))];
        var logged = string.Join("\n", _log.Entries.SelectMany(e => e.Values).Select(v => v.Value?.ToString()));
        Assert.NotEmpty(logged);
        foreach (var secret in values)
        {
            Assert.DoesNotContain(secret, errors, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, bad.Fingerprint(), StringComparison.Ordinal);
            foreach (var file in Directory.EnumerateFiles(_cacheFolder.Root, "*", SearchOption.AllDirectories))
            {
                Assert.DoesNotContain(secret, File.ReadAllText(file), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_vanished_ref_keeps_the_last_commit_with_an_error_naming_the_ref()
    {
        using var repo = RepoWithWeb(out var first);
        repo.Git("branch", "release");
        var cache = Cache();
        var source = Source(cache, repo.FileUrl, "release");
        Assert.Equal(["web"], Names(source));

        repo.Git("branch", "-D", "release");
        source.Refresh();
        await ReachAsync(source, s => s.Failure is not null);

        Assert.Equal(GitFailureKind.RefNotFound, source.Failure?.Kind);
        Assert.Equal(first, source.Commit);
        var errors = ErrorsOf(source);
        Assert.Contains("ref 'release' is not in the repository", errors, StringComparison.Ordinal);
        Assert.Contains("kept at " + first, errors, StringComparison.Ordinal);
        Assert.Equal(first, source.Revision);
        using var kept = source.Read();
        Assert.Equal(["web"], kept.Manifests.Select(m => m.Name));
    }

    [Fact]
    public async Task A_force_push_is_refused_and_the_last_commit_kept_until_the_ref_follows_it_again()
    {
        using var repo = RepoWithWeb(out _);
        repo.Write("deploy/api.yaml", ConfigMap("api"));
        var second = repo.Commit("second");
        await using var server = await GitHttpServer.StartAsync(repo.ServedFolder);
        var cache = Cache();
        var source = Source(cache, server.UrlOf(repo.Name));
        Assert.Equal(["api", "web"], Names(source));

        repo.Delete("deploy/api.yaml");
        var rewritten = repo.Amend();
        source.Refresh();
        await ReachAsync(source, s => s.Failure is not null);

        Assert.Equal(GitFailureKind.ForcePushed, source.Failure?.Kind);
        Assert.Contains($"{rewritten} does not follow {second}", ErrorsOf(source), StringComparison.Ordinal);
        Assert.Equal(second, source.Commit);

        // Fetched again, the rewritten commit is still refused; the ref back on the kept commit ends the error.
        _time.Advance(TimeSpan.FromMinutes(1));
        source.Refresh();
        repo.Git("reset", "--quiet", "--hard", second);
        source.Refresh();
        await ReachAsync(source, s => s.Failure is null);
        Assert.Equal(second, source.Commit);
        Assert.Equal(["api", "web"], Names(source));
    }

    [Fact]
    public async Task An_oversized_repository_is_stopped_and_the_last_commit_kept()
    {
        using var repo = RepoWithWeb(out var first);
        var cache = Cache(maxRepositoryBytes: 1L << 20);
        var source = Source(cache, repo.FileUrl);
        Assert.Equal(["web"], Names(source));

        repo.WriteBytes("deploy/blob.bin", RandomNumberGenerator(3 << 20));
        repo.Commit("big");
        source.Refresh();
        await ReachAsync(source, s => s.Failure is not null);

        Assert.Equal(GitFailureKind.Oversized, source.Failure?.Kind);
        Assert.Contains("over its limit of 1048576 bytes", ErrorsOf(source), StringComparison.Ordinal);
        Assert.Equal(first, source.Commit);
    }

    [Fact]
    public void An_unreachable_remote_is_an_error_naming_the_remote()
    {
        var cache = Cache();
        var url = $"git://127.0.0.1:{LoopbackPorts.Free()}/fleet";
        var source = Source(cache, url);

        var errors = ErrorsOf(source);

        Assert.Equal(GitFailureKind.Unreachable, source.Failure?.Kind);
        Assert.Contains($"git {url}#main: remote unreachable", errors, StringComparison.Ordinal);
        Assert.Null(source.Revision);
    }

    [Fact]
    public void A_broken_yaml_file_is_an_error_naming_the_file_in_the_repository_and_its_line_and_the_rest_is_read()
    {
        using var repo = RepoWithWeb(out var first);
        repo.Write("deploy/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n");
        var commit = repo.Commit();
        var cache = Cache();
        var source = Source(cache, repo.FileUrl);

        using var set = source.Read();

        Assert.Equal(["web"], set.Manifests.Select(m => m.Name));
        var error = Assert.Single(set.Errors);
        Assert.Equal($"{repo.FileUrl}@{commit[..12]}:deploy/broken.yaml", error.Source);
        Assert.True(error.Line > 0, error.ToString());
        Assert.NotEqual(first, commit);
    }

    [Fact]
    public async Task A_file_a_later_commit_breaks_is_read_as_the_last_commit_that_read_well_had_it()
    {
        using var repo = RepoWithWeb(out var first);
        var cache = Cache();
        var source = Source(cache, repo.FileUrl);
        Assert.Equal(["web"], Names(source));

        repo.Write("deploy/web.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [web\n");
        repo.Write("deploy/api.yaml", ConfigMap("api"));
        var second = repo.Commit();
        source.Refresh();
        await ReachAsync(source, s => s.Commit == second);

        using var set = source.Read();

        Assert.Empty(set.Errors);
        var error = Assert.Single(set.ReadAtEarlierVersion);
        Assert.Equal($"{repo.FileUrl}@{second[..12]}:deploy/web.yaml", error.Source);
        Assert.EndsWith($"its objects are judged as commit {first[..12]} declared them", error.Message, StringComparison.Ordinal);
        Assert.Equal(["api", "web"], set.Manifests.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.Equal($"{repo.FileUrl}@{first[..12]}:deploy/web.yaml", source.NameOf(set.Manifests.Single(m => m.Name == "web").Location.Source));
        Assert.Equal(second, source.Revision);

        // A file that no good commit had is an error as it was: its objects are unknown.
        repo.Write("deploy/db.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [db\n");
        var third = repo.Commit();
        source.Refresh();
        await ReachAsync(source, s => s.Commit == third);
        using var later = source.Read();
        Assert.Equal($"{repo.FileUrl}@{third[..12]}:deploy/db.yaml", Assert.Single(later.Errors).Source);
    }

    [Fact]
    public async Task Clusters_following_the_same_remote_and_ref_share_one_fetch()
    {
        using var repo = RepoWithWeb(out var first);
        repo.Write("other/api.yaml", ConfigMap("api"));
        repo.Commit();
        await using var server = await GitHttpServer.StartAsync(repo.ServedFolder);
        var cache = Cache();
        var deploy = Source(cache, server.UrlOf(repo.Name));
        var other = Source(cache, server.UrlOf(repo.Name), path: "other");

        Assert.Equal(["web"], Names(deploy));
        Assert.Equal(["api"], Names(other));
        Assert.Equal(deploy.Revision, other.Revision);
        Assert.Single(server.Requests, r => r.Request.Contains("/info/refs", StringComparison.Ordinal));
        Assert.NotEqual(first, deploy.Revision);
    }

    [Fact]
    public void A_tag_or_a_commit_sha_is_read_where_it_points()
    {
        using var repo = RepoWithWeb(out var first);
        repo.Git("tag", "v1");
        repo.Write("deploy/api.yaml", ConfigMap("api"));
        repo.Commit();
        var cache = Cache();

        var tag = Source(cache, repo.FileUrl, "v1");
        var sha = Source(cache, repo.FileUrl, first);

        Assert.Equal(["web"], Names(tag));
        Assert.Equal(first, tag.Revision);
        Assert.Equal(["web"], Names(sha));
        Assert.Equal(first, sha.Revision);
    }

    [Fact]
    public void A_path_missing_from_the_commit_is_an_error()
    {
        using var repo = RepoWithWeb(out var first);
        var cache = Cache();
        var source = Source(cache, repo.FileUrl, path: "nowhere");

        Assert.Contains($"path 'nowhere' is not in commit {first}", ErrorsOf(source), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_the_total_the_least_recently_used_repository_is_evicted_and_its_cluster_still_reads_and_fetches_again()
    {
        using var older = RepoWithWeb(out _);
        older.WriteBytes("deploy/blob.bin", RandomNumberGenerator(600 << 10));
        var olderCommit = older.Commit();
        using var newer = GitRepo.Create("newer");
        newer.Write("deploy/api.yaml", ConfigMap("api"));
        newer.WriteBytes("deploy/blob.bin", RandomNumberGenerator(600 << 10));
        newer.Commit();
        var cache = Cache(maxRepositoryBytes: 2L << 20, maxTotalBytes: 2L << 20);
        var first = Source(cache, older.FileUrl);
        Assert.Equal(["web"], Names(first));
        _time.Advance(TimeSpan.FromSeconds(1));

        var second = Source(cache, newer.FileUrl);
        Assert.Equal(["api"], Names(second));

        Assert.Equal([older.FileUrl + "#main"], _log.Values<string>(LogEvents.GitEvicted, "Remote"));
        Assert.Equal(["web"], Names(first));
        Assert.Equal(olderCommit, first.Revision);

        // Its history evicted, the kept commit cannot be told from a force-push: the new one is taken.
        older.Write("deploy/extra.yaml", ConfigMap("extra"));
        var next = older.Commit();
        first.Refresh();
        await ReachAsync(first, s => s.Commit == next || s.Failure is not null);
        Assert.Equal((next, null), (first.Commit, first.Failure));
        Assert.Equal(["extra", "web"], Names(first));
    }

    [Fact]
    public async Task A_remote_that_never_answers_is_stopped_at_the_fetch_timeout()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var cache = Cache(fetchTimeout: TimeSpan.FromSeconds(2));
        var source = Source(cache, $"git://127.0.0.1:{port}/fleet");

        var errors = ErrorsOf(source);
        using var held = await silent.AcceptTcpClientAsync();

        Assert.Equal(GitFailureKind.TimedOut, source.Failure?.Kind);
        Assert.Contains("fetch took longer than 00:00:02: stopped", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_leading_out_of_the_commit_is_not_read()
    {
        using var repo = RepoWithWeb(out var first);
        var cache = Cache();
        var source = Source(cache, repo.FileUrl, path: "../../..");

        Assert.Contains($"path '../../..' is not in commit {first}", ErrorsOf(source), StringComparison.Ordinal);
    }

    private static byte[] RandomNumberGenerator(int length) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);

    public void Dispose()
    {
        foreach (var source in _sources)
        {
            source.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _caches.ForEach(c => c.Dispose());

        _cacheFolder.Dispose();
    }
}
