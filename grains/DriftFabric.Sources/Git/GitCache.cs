using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Sources.Git;

/// <summary>
/// The silo's fetched repositories, one per remote and ref (clusters following the same ones share
/// its fetches), on disk in a folder of this cache's own under <see cref="GitCacheOptions.Directory"/>
/// (silos sharing a machine or a process never write one repository at once; it is removed on
/// dispose), bounded: a repository past its limit is refused, and past the total the least
/// recently used are evicted.
/// </summary>
public sealed class GitCache(GitCacheOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, GitMirror> _mirrors = new(StringComparer.Ordinal);
    private readonly Lock _trimming = new();

    public GitCacheOptions Options => options;

    /// <summary>This cache's own folder.</summary>
    public string Root { get; } = Path.GetFullPath(Path.Combine(options.Directory, "cache-" + Guid.NewGuid().ToString("N")[..12]));

    internal TimeProvider Time => time;

    internal ILogger Logger => logger;

    /// <summary>The repository of <paramref name="url"/> at <paramref name="ref"/>, made on first use.</summary>
    /// <param name="credentials">Part of the key: a cluster with other credentials must not take the answer fetched with these.</param>
    internal GitMirror Mirror(string url, string @ref, GitCredentialNames credentials)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url + "\n" + @ref + "\n" + credentials)))[..24];
        return _mirrors.GetOrAdd(key, k => new GitMirror(url, @ref, Path.Combine(Root, k), this));
    }

    /// <summary>
    /// Evicts the least recently used repositories (their history, and trees no source reads)
    /// until the cache is within its total; <paramref name="keep"/> (just fetched) stays.
    /// </summary>
    internal void Trim(GitMirror keep)
    {
        lock (_trimming)
        {
            var sizes = _mirrors.Values.ToDictionary(m => m, m => m.Bytes());
            var total = sizes.Values.Sum();
            foreach (var mirror in _mirrors.Values.Where(m => m != keep).OrderBy(m => m.LastUsed))
            {
                if (total <= options.MaxTotalBytes)
                {
                    break;
                }

                if (mirror.TryEvict())
                {
                    var after = mirror.Bytes();
                    GitLog.Evicted(logger, mirror.Display, sizes[mirror] - after);
                    total -= sizes[mirror] - after;
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var mirror in _mirrors.Values)
        {
            mirror.Dispose();
        }

        _mirrors.Clear();
        try
        {
            if (System.IO.Directory.Exists(Root))
            {
                System.IO.Directory.Delete(Root, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A fetch still writing as the silo stops: the folder is a cache, left for the system's temp cleaner.
        }
    }

    /// <summary>The bytes of the files under <paramref name="directory"/> (0 when it does not exist).</summary>
    internal static long SizeOf(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return 0;
        }

        long bytes = 0;
        try
        {
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }))
            {
                bytes += file.Length;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file removed while counting (git's temporary packs): counted at the next measure.
        }

        return bytes;
    }
}
