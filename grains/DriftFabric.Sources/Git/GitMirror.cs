using System.Formats.Tar;
using System.Runtime.CompilerServices;

namespace DriftFabric.Sources.Git;

/// <summary>A fetch's answer: the commit the ref names now, or why there is none.</summary>
internal sealed record GitFetchResult(string? Commit, GitFailure? Failure);

/// <summary>
/// One remote and ref in the cache: a bare repository holding a shallow history (depth 1, deepened
/// only to find a commit's ancestor), and the files of the commits sources read, one folder per
/// commit (<c>trees/SHA</c>), kept while a source reads it. One fetch at a time; a source that asks
/// while another fetch runs takes the answer of the next one to start, so clusters following the
/// same remote and ref cost one fetch.
/// </summary>
internal sealed class GitMirror(string url, string @ref, string root, GitCache cache) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);
    private long _started;
    private GitFetchResult? _last;
    private DateTimeOffset _lastAt;

    public string Display => $"{url}#{@ref}";

    public DateTimeOffset LastUsed { get; private set; }

    private string Repository => Path.Combine(root, "repo.git");

    private string Trees => Path.Combine(root, "trees");

    private long Limit => cache.Options.MaxRepositoryBytes;

    public long Bytes() => GitCache.SizeOf(root);

    /// <summary>
    /// The commit the ref names now: fetched, or the answer of a fetch that started after this call,
    /// or of one that ended less than <paramref name="recentEnough"/> ago (another cluster's on its own schedule).
    /// </summary>
    public async Task<GitFetchResult> FetchAsync(GitAuth auth, TimeSpan recentEnough, CancellationToken cancellationToken)
    {
        var asked = Interlocked.Read(ref _started);
        await _gate.WaitAsync(cancellationToken);
        GitFetchResult result;
        try
        {
            var now = cache.Time.GetUtcNow();
            if (_last is { } last && (Interlocked.Read(ref _started) > asked || now - _lastAt < recentEnough))
            {
                return last;
            }

            Interlocked.Increment(ref _started);
            LastUsed = now;
            result = _last = await FetchLockedAsync(auth, fresh: false, cancellationToken);
            _lastAt = cache.Time.GetUtcNow();
        }
        finally
        {
            _gate.Release();
        }

        cache.Trim(this);
        return result;
    }

    private async Task<GitFetchResult> FetchLockedAsync(GitAuth auth, bool fresh, CancellationToken cancellationToken)
    {
        if (auth.Problem is { } problem)
        {
            return new(null, new GitFailure(GitFailureKind.Credentials, "credentials: " + problem));
        }

        if (!Directory.Exists(Repository))
        {
            Directory.CreateDirectory(root);
            var init = await GitAsync(null, ["init", "--bare", "--quiet", Repository], auth, cancellationToken);
            if (!init.Ok)
            {
                return new(null, new GitFailure(GitFailureKind.Failed, "cannot make the cache's repository: " + init.Error.Trim()));
            }
        }

        var before = GitCache.SizeOf(Repository);
        var fetch = await GitAsync(Repository, ["fetch", "--depth=1", "--no-tags", "--quiet", "--", url, @ref], auth, cancellationToken, overLimit: () => GitCache.SizeOf(Repository) - before > Limit);
        if (Failure(fetch, auth) is { } failure)
        {
            return new(null, failure);
        }

        var head = await GitAsync(Repository, ["rev-parse", "--verify", "FETCH_HEAD^{commit}"], auth, cancellationToken);
        if (!head.Ok)
        {
            return new(null, new GitFailure(GitFailureKind.Failed, "fetched, but no commit: " + auth.Redact(head.Error.Trim())));
        }

        if (GitCache.SizeOf(Repository) > Limit)
        {
            // History piled up over many fetches (objects no ref holds): start again from one commit.
            DeleteRepository();
            return fresh ? new(null, Oversized()) : await FetchLockedAsync(auth, fresh: true, cancellationToken);
        }

        return new(head.Output.Trim(), null);
    }

    /// <summary>
    /// Whether <paramref name="descendant"/> is <paramref name="ancestor"/> or follows it, the history
    /// fetched back up to <see cref="GitCacheOptions.AncestryDepth"/> commits to see; null when it
    /// cannot be told (the older commit is no longer in the cache, or the deeper fetch failed).
    /// </summary>
    public async Task<bool?> IsAncestorAsync(string ancestor, string descendant, GitAuth auth, CancellationToken cancellationToken)
    {
        if (ancestor == descendant)
        {
            return true;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var known = await GitAsync(Repository, ["cat-file", "-e", ancestor + "^{commit}"], auth, cancellationToken);
            if (!known.Ok)
            {
                return null;
            }

            if (await MergeBaseAsync() is true)
            {
                return true;
            }

            var before = GitCache.SizeOf(Repository);
            var deepen = await GitAsync(Repository, ["fetch", "--deepen=" + cache.Options.AncestryDepth, "--no-tags", "--quiet", "--", url, @ref], auth, cancellationToken, overLimit: () => GitCache.SizeOf(Repository) - before > Limit);
            return deepen.Ok ? await MergeBaseAsync() : null;
        }
        finally
        {
            _gate.Release();
        }

        async Task<bool?> MergeBaseAsync()
        {
            var run = await GitAsync(Repository, ["merge-base", "--is-ancestor", ancestor, descendant], auth, cancellationToken);
            return run.ExitCode switch { 0 when run.Ok => true, 1 => false, _ => null };
        }
    }

    /// <summary>The folder of <paramref name="commit"/>'s files (regular files only: no link leads out of it), kept until <see cref="Release"/>.</summary>
    public async Task<(string? Folder, GitFailure? Failure)> TreeAsync(string commit, GitAuth auth, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Trees, commit);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            lock (_pins)
            {
                if (Directory.Exists(folder))
                {
                    _pins[commit] = _pins.GetValueOrDefault(commit) + 1;
                    return (folder, null);
                }
            }

            var part = folder + ".part-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(part);
            var written = new StrongBox<long>();
            var archive = await GitAsync(Repository, ["archive", "--format=tar", commit], auth, cancellationToken, readOutput: (tar, ct) => ExtractAsync(tar, part, written, ct), overLimit: () => Volatile.Read(ref written.Value) > Limit);
            var tooBig = Volatile.Read(ref written.Value) > Limit;
            if (tooBig || !archive.Ok)
            {
                Directory.Delete(part, recursive: true);
                return (null, tooBig ? Oversized() : new GitFailure(GitFailureKind.Failed, $"cannot read the files of {commit}: " + auth.Redact(archive.Error.Trim())));
            }

            lock (_pins)
            {
                Directory.Move(part, folder);
                _pins[commit] = _pins.GetValueOrDefault(commit) + 1;
            }
        }
        finally
        {
            _gate.Release();
        }

        // The new commit's files count towards the total as much as its history.
        cache.Trim(this);
        return (folder, null);
    }

    /// <summary>Keeps the folder of <paramref name="commit"/> until one more <see cref="Release"/>; false when it is already gone.</summary>
    public bool TryPin(string commit)
    {
        lock (_pins)
        {
            if (!_pins.TryGetValue(commit, out var count) || !Directory.Exists(Path.Combine(Trees, commit)))
            {
                return false;
            }

            _pins[commit] = count + 1;
            return true;
        }
    }

    /// <summary>A source no longer reads <paramref name="commit"/>: its folder goes when no source does.</summary>
    public void Release(string commit)
    {
        lock (_pins)
        {
            if (_pins.TryGetValue(commit, out var count) && count > 1)
            {
                _pins[commit] = count - 1;
                return;
            }

            _pins.Remove(commit);
            var folder = Path.Combine(Trees, commit);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Drops the history (fetched again when next needed) and every tree no source reads; false while a fetch runs.</summary>
    public bool TryEvict()
    {
        if (!_gate.Wait(0))
        {
            return false;
        }

        try
        {
            DeleteRepository();
            _last = null;
            lock (_pins)
            {
                if (Directory.Exists(Trees))
                {
                    foreach (var tree in Directory.EnumerateDirectories(Trees).Where(t => !_pins.ContainsKey(Path.GetFileName(t))).ToList())
                    {
                        Directory.Delete(tree, recursive: true);
                    }
                }
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void DeleteRepository()
    {
        if (Directory.Exists(Repository))
        {
            Directory.Delete(Repository, recursive: true);
        }
    }

    public void Dispose() => _gate.Dispose();

    private GitFailure Oversized() =>
        new(GitFailureKind.Oversized, $"repository over its limit of {Limit} bytes: fetch stopped (GitCache MaxRepositoryBytes)");

    private GitFailure? Failure(GitRun run, GitAuth auth)
    {
        if (run.OverLimit)
        {
            DeleteRepository();
            return Oversized();
        }

        if (run.TimedOut)
        {
            return new GitFailure(GitFailureKind.TimedOut, $"fetch took longer than {cache.Options.FetchTimeout}: stopped");
        }

        return run.Ok ? null : GitFailure.From(@ref, auth.Redact(run.Error));
    }

    private Task<GitRun> GitAsync(string? directory, string[] arguments, GitAuth auth, CancellationToken cancellationToken, Func<Stream, CancellationToken, Task>? readOutput = null, Func<bool>? overLimit = null) =>
        GitProcess.RunAsync(directory, arguments, auth.Environment, cache.Options.FetchTimeout, cancellationToken, readOutput, overLimit);

    /// <summary>Writes a tar's regular files and folders under <paramref name="into"/>, counting their bytes in <paramref name="written"/>; stops past the limit.</summary>
    private async Task ExtractAsync(Stream tar, string into, StrongBox<long> written, CancellationToken cancellationToken)
    {
        var rootWithSlash = Path.GetFullPath(into) + Path.DirectorySeparatorChar;
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var target = Path.GetFullPath(Path.Combine(into, entry.Name));
            if (!target.StartsWith(rootWithSlash, StringComparison.Ordinal))
            {
                continue;
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile when entry.DataStream is { } data:
                    if (Interlocked.Add(ref written.Value, entry.Length) > Limit)
                    {
                        return;
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await using (var file = File.Create(target))
                    {
                        await data.CopyToAsync(file, cancellationToken);
                    }

                    break;
            }
        }
    }
}
