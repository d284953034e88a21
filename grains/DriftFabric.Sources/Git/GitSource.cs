using System.Threading.Channels;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Parsing;
using DriftFabric.Sources.Files;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Sources.Git;

/// <summary>
/// A cluster's desired state in a Git repository: the folder <see cref="GitDesired.Path"/> of the
/// commit <see cref="GitDesired.Ref"/> names, fetched shallowly into the silo's <see cref="GitCache"/>
/// every <see cref="GitDesired.Interval"/> (and at once on <see cref="Refresh"/>), off the caller's
/// thread, and read as files (<see cref="PathSource"/>). Its fingerprint is the commit and the
/// path, so a cluster polling it reads again only when a new commit arrived or a problem began or
/// ended. A fetch that fails (an unreachable remote, refused credentials, a vanished ref, an
/// oversized repository) or a commit that does not follow the last one read (a force-push) is an
/// error naming the remote, and the last good commit stays the desired state.
/// </summary>
public sealed class GitSource : IDesiredSource, IAsyncDisposable
{
    private readonly GitDesired _spec;
    private readonly GitCache _cache;
    private readonly GitMirror _mirror;
    private readonly Func<string, string?> _variables;
    private readonly ILogger _logger;
    private readonly ParseLimits? _limits;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstFetch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _starting = new();
    private Task? _loop;
    private volatile GitSourceState _state = GitSourceState.Pending;

    /// <summary>A commit refused as a force-push: fetched again, it is still refused.</summary>
    private string? _refused;
    private string? _readRevision;
    private GitSourceState _read = GitSourceState.Pending;

    /// <summary>The last commit read without errors, and its folder, pinned in the mirror: where a file broken in a later commit is read from.</summary>
    private (string Commit, string Folder)? _clean;

    /// <param name="variables">Reads an environment variable (the process's own in the silo).</param>
    public GitSource(GitDesired spec, GitCache cache, ILogger logger, Func<string, string?>? variables = null, ParseLimits? limits = null)
    {
        _spec = spec;
        _cache = cache;
        _mirror = cache.Mirror(spec.Url, spec.Ref, spec.Credentials);
        _variables = variables ?? Environment.GetEnvironmentVariable;
        _logger = logger;
        _limits = limits;
    }

    /// <summary>The remote as statuses and logs name it: URL and ref (a URL with a password is refused by the spec).</summary>
    public string Display => $"git {_spec.Url}#{_spec.Ref}";

    public string? Revision => _readRevision;

    /// <summary>The commit last read well (null before the first); kept through later failures.</summary>
    public string? Commit => _state.Commit;

    /// <summary>Why the last fetch could not give a new desired state; null when it could.</summary>
    public GitFailure? Failure => _state.Failure;

    public string Fingerprint()
    {
        Start();
        var state = _state;
        return $"git|{state.Commit}|{_spec.Path}|{state.Failure?.Message}";
    }

    public void Refresh()
    {
        Start();
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Waits for the first fetch (up to twice the cache's fetch timeout), then reads the commit last
    /// read well. A failed fetch adds its error to that commit's manifests: the cluster still knows
    /// what its services declare (routing its live objects as before) and, the source having an
    /// error, sends them nothing new.
    /// </summary>
    public ManifestSet Read()
    {
        Start();
        _firstFetch.Task.Wait(_cache.Options.FetchTimeout + _cache.Options.FetchTimeout);
        var state = _state;
        _readRevision = state.Commit;
        _read = state;
        var set = ReadFolder(state);
        if (set.Errors.Count == 0 && set.ReadAtEarlierVersion.Count == 0 && state is { Failure: null, Commit: { } commit, Folder: { } folder })
        {
            KeepClean(commit, folder);
        }

        if (state.Failure is { } failure)
        {
            set.Errors.Add(new ManifestError(Display, 0, failure.Message + (state.Commit is { } kept ? $"; desired state kept at {kept}" : string.Empty)));
        }

        return set;
    }

    private ManifestSet ReadFolder(GitSourceState state)
    {
        if (state.Folder is null)
        {
            var empty = new ManifestSet();
            if (state.Failure is null)
            {
                empty.Errors.Add(new ManifestError(Display, 0, "not fetched yet"));
            }

            return empty;
        }

        var path = Path.GetFullPath(_spec.Path.Length == 0 ? state.Folder : Path.Combine(state.Folder, _spec.Path));
        if (!(path + Path.DirectorySeparatorChar).StartsWith(state.Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || (!Directory.Exists(path) && !File.Exists(path)))
        {
            var missing = new ManifestSet();
            missing.Errors.Add(new ManifestError(Display, 0, $"path '{_spec.Path}' is not in commit {state.Commit}"));
            return missing;
        }

        var read = new PathSource([path], _limits).Read();
        if (read.Errors.Count > 0)
        {
            ReadBrokenFilesAtCleanCommit(read, state.Folder);
        }

        // Named as the repository's file at its commit, not the cache's folder.
        for (var i = 0; i < read.Errors.Count; i++)
        {
            read.Errors[i] = read.Errors[i] with { Source = NameOf(read.Errors[i].Source) };
        }

        for (var i = 0; i < read.ReadAtEarlierVersion.Count; i++)
        {
            read.ReadAtEarlierVersion[i] = read.ReadAtEarlierVersion[i] with { Source = NameOf(read.ReadAtEarlierVersion[i].Source) };
        }

        return read;
    }

    /// <summary>
    /// A file that does not read in this commit (broken YAML pushed) is read as it was in the last
    /// commit that read without errors, so its objects are judged against that version and the
    /// rest of the commit as it is: one broken file neither blinds the cluster nor turns its
    /// objects unmanaged. A file new since then, or an error of no single file (a kustomization
    /// that fails to render), leaves the read with its error, and the cluster keeps what it had.
    /// </summary>
    private void ReadBrokenFilesAtCleanCommit(ManifestSet read, string folder)
    {
        if (_clean is not (string cleanCommit, string cleanFolder) || cleanFolder == folder)
        {
            return;
        }

        var prefix = folder + Path.DirectorySeparatorChar;
        foreach (var broken in read.Errors.GroupBy(e => e.Source, StringComparer.Ordinal).ToList())
        {
            var earlier = Path.Combine(cleanFolder, broken.Key.Length > prefix.Length ? broken.Key[prefix.Length..] : string.Empty);
            if (!broken.Key.StartsWith(prefix, StringComparison.Ordinal) || !File.Exists(broken.Key) || !File.Exists(earlier))
            {
                continue;
            }

            using var older = new PathSource([earlier], _limits).Read();
            if (older.Errors.Count > 0)
            {
                continue;
            }

            read.Absorb(older);
            foreach (var error in broken)
            {
                read.Errors.Remove(error);
                read.ReadAtEarlierVersion.Add(error with { Message = $"{error.Message}; its objects are judged as commit {cleanCommit[..12]} declared them" });
            }
        }
    }

    private void KeepClean(string commit, string folder)
    {
        if (_clean?.Commit == commit || !_mirror.TryPin(commit))
        {
            return;
        }

        var previous = _clean;
        _clean = (commit, folder);
        if (previous is { } released)
        {
            _mirror.Release(released.Commit);
        }
    }

    /// <summary>
    /// A file of the cache's copy of the commit <see cref="Read"/> last read, named as the
    /// repository's (<c>URL@SHA12:path/in/repo.yaml</c>); any other path as it is.
    /// </summary>
    public string NameOf(string file)
    {
        var state = _read;
        var prefix = state.Folder + Path.DirectorySeparatorChar;
        if (state.Folder is not null && file.StartsWith(prefix, StringComparison.Ordinal))
        {
            return $"{_spec.Url}@{state.Commit![..12]}:{file[prefix.Length..]}";
        }

        // A broken file's objects, read at the last commit that read well.
        return _clean is (string cleanCommit, string cleanFolder) && file.StartsWith(cleanFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? $"{_spec.Url}@{cleanCommit[..12]}:{file[(cleanFolder.Length + 1)..]}"
            : file;
    }

    private void Start()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_starting)
        {
            _loop ??= Task.Run(LoopAsync);
        }
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        var asked = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                // On schedule, a fetch another cluster of the same remote made within half an interval will do; when asked, only a new one.
                await FetchOnceAsync(asked ? TimeSpan.Zero : _spec.Interval / 2, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever failed (git missing, a full disk, an archive that does not read), the loop goes on: the next interval tries again.
                Fail(new GitFailure(GitFailureKind.Failed, "fetch failed: " + e.Message));
            }

            _firstFetch.TrySetResult();
            using var interval = new CancellationTokenSource(_spec.Interval, _cache.Time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(token, interval.Token);
            try
            {
                asked = await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                // The interval passed: fetch again.
                asked = false;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _firstFetch.TrySetResult();
    }

    private async Task FetchOnceAsync(TimeSpan recentEnough, CancellationToken cancellationToken)
    {
        using var auth = GitAuth.For(_spec.Url, _spec.Credentials, Path.Combine(_cache.Root, "keys"), _variables);
        var fetched = await _mirror.FetchAsync(auth, recentEnough, cancellationToken);
        if (fetched.Failure is { } failure)
        {
            Fail(failure);
            return;
        }

        var commit = fetched.Commit!;
        var previous = _state;
        if (commit == previous.Commit)
        {
            _refused = null;
            if (previous.Failure is not null)
            {
                _state = previous with { Failure = null };
            }

            return;
        }

        if (commit == _refused)
        {
            return;
        }

        if (previous.Commit is { } old && await _mirror.IsAncestorAsync(old, commit, auth, cancellationToken) is false)
        {
            _refused = commit;
            Fail(new GitFailure(GitFailureKind.ForcePushed, $"force-pushed: {commit} does not follow {old}, the last commit judged; it is not taken until the ref follows {old} again or the cluster's source is configured again"));
            return;
        }

        var (folder, treeFailure) = await _mirror.TreeAsync(commit, auth, cancellationToken);
        if (treeFailure is not null)
        {
            Fail(treeFailure);
            return;
        }

        _refused = null;
        _state = new GitSourceState(commit, folder, null);
        if (previous.Commit is { } released)
        {
            _mirror.Release(released);
        }

        GitLog.Fetched(_logger, _spec.Url + "#" + _spec.Ref, commit, previous.Commit);
    }

    private void Fail(GitFailure failure)
    {
        var previous = _state;
        if (previous.Failure != failure)
        {
            GitLog.FetchFailed(_logger, _spec.Url + "#" + _spec.Ref, failure.Message, previous.Commit);
        }

        _state = previous with { Failure = failure };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }

        if (_state.Commit is { } commit)
        {
            _mirror.Release(commit);
        }

        if (_clean is { } clean)
        {
            _mirror.Release(clean.Commit);
        }

        _stop.Dispose();
    }

    /// <summary>The commit last read well and its folder, and the problem of the last fetch.</summary>
    private sealed record GitSourceState(string? Commit, string? Folder, GitFailure? Failure)
    {
        public static readonly GitSourceState Pending = new(null, null, null);
    }
}
