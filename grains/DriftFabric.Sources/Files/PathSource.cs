using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Parsing;
using DriftFabric.Sources.Kustomize;

namespace DriftFabric.Sources.Files;

/// <summary>
/// Manifests in files: each path a file, or a directory read recursively (YAML and JSON, in
/// order). The code as a team keeps it in a checkout, or a live snapshot (<c>kubectl get -o
/// yaml|json</c> output), polled: read again when a file's size or modification time moved.
/// A directory holding a kustomization is rendered by <c>kubectl kustomize</c> instead
/// (<see cref="Kustomization.Plan"/> says which directories of a tree are), and its fingerprint
/// is taken from the files that kustomization uses, wherever they are (<see cref="KustomizeInputs"/>).
/// </summary>
public sealed class PathSource(IReadOnlyList<string> paths, ParseLimits? limits = null, KustomizeRenderer? kustomize = null) : IDesiredSource, ILiveSource
{
    public PathSource(string path)
        : this([path])
    {
    }

    public bool Follows => false;

    public bool Running => true;

    /// <summary>Size and modification time of every file read or rendered: cheap to take (no render), changes with any edit.</summary>
    public string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var path in paths)
        {
            if (DirectoryOf(path) is not { } directory)
            {
                Stat(sb, path);
                continue;
            }

            var plan = Kustomization.Plan(directory);
            foreach (var rendered in plan.Rendered)
            {
                sb.Append("kustomization|").Append(rendered).Append('\n');
                KustomizeInputs.AppendTo(sb, rendered);
            }

            foreach (var file in plan.Plain)
            {
                Stat(sb, file);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }

    /// <summary>The directory a path reads: itself, or the directory of a kustomization file named on its own (which only means something rendered).</summary>
    private static string? DirectoryOf(string path) =>
        Directory.Exists(path) ? path
        : Kustomization.IsKustomizationFile(path) && File.Exists(path) ? Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : "."
        : null;

    private static void Stat(StringBuilder sb, string file)
    {
        var info = new FileInfo(file);
        sb.Append(file).Append('|').Append(info.Exists ? info.Length : -1).Append('|').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
    }

    public ManifestSet Read()
    {
        var set = new ManifestSet();
        var parseLimits = limits ?? ParseLimits.Default;
        foreach (var path in paths)
        {
            if (DirectoryOf(path) is not { } directory)
            {
                ManifestLoader.LoadPathInto(path, set, parseLimits);
                continue;
            }

            var plan = Kustomization.Plan(directory);
            foreach (var rendered in plan.Rendered)
            {
                (kustomize ?? KustomizeRenderer.Default).RenderInto(rendered, set, parseLimits);
            }

            foreach (var file in plan.Plain)
            {
                ManifestLoader.LoadFileInto(file, set, parseLimits);
            }
        }

        return set;
    }

    public ManifestSet ReadSnapshot() => Read();

    public Task<LiveListing> FollowAsync(LiveScope scope, bool relist, Func<IReadOnlyList<LiveChange>, Task> onChanges, Func<string?, Task> onHealth) =>
        Task.FromResult(LiveListing.Unchanged());

    public WatchedTarget? TargetOf(ResourceKey key) => null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
