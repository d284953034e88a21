using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Sources.Files;

/// <summary>
/// Manifests in files: each path a file, or a directory read recursively (YAML and JSON, in
/// order). The code as a team keeps it in a checkout, or a live snapshot (<c>kubectl get -o
/// yaml|json</c> output), polled: read again when a file's size or modification time moved.
/// </summary>
public sealed class PathSource(IReadOnlyList<string> paths, ParseLimits? limits = null) : IDesiredSource, ILiveSource
{
    public PathSource(string path)
        : this([path])
    {
    }

    public bool Follows => false;

    public bool Running => true;

    /// <summary>Size and modification time of every file: cheap to take, changes with any edit.</summary>
    public string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var path in paths)
        {
            var files = Directory.Exists(path) ? ManifestLoader.EnumerateFiles(path) : [path];
            foreach (var file in files)
            {
                var info = new FileInfo(file);
                sb.Append(file).Append('|').Append(info.Exists ? info.Length : -1).Append('|').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }

    public ManifestSet Read()
    {
        var set = new ManifestSet();
        foreach (var path in paths)
        {
            ManifestLoader.LoadPathInto(path, set, limits ?? ParseLimits.Default);
        }

        return set;
    }

    public ManifestSet ReadSnapshot() => Read();

    public Task<LiveListing> FollowAsync(LiveScope scope, bool relist, Func<IReadOnlyList<LiveChange>, Task> onChanges, Func<string?, Task> onHealth) =>
        Task.FromResult(LiveListing.Unchanged());

    public WatchedTarget? TargetOf(ResourceKey key) => null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
