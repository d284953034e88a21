using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources.Files;
using DriftFabric.Sources.Git;
using Microsoft.Extensions.Logging.Abstractions;

namespace DriftFabric.Cli.Commands;

/// <summary>
/// What <c>check --desired</c> names: files and directories, read as a fabric reads them
/// (<see cref="PathSource"/>), and Git remotes written <c>URL[#ref][//path]</c>, fetched by the
/// fabric's <see cref="GitSource"/> into a cache of this run's own (removed at the end). An HTTPS
/// token is read from <c>DRIFTFABRIC_GIT_TOKEN</c> (user <c>DRIFTFABRIC_GIT_USERNAME</c>); SSH
/// uses the user's keys and known_hosts.
/// </summary>
internal sealed class DesiredInputs : IDisposable
{
    public const string TokenVariable = "DRIFTFABRIC_GIT_TOKEN";
    public const string UsernameVariable = "DRIFTFABRIC_GIT_USERNAME";

    private readonly List<string> _paths = [];
    private readonly List<GitSource> _remotes = [];
    private GitCache? _cache;

    public DesiredInputs(IReadOnlyList<string> desired)
    {
        foreach (var item in desired)
        {
            if (!GitUrls.IsRemote(item))
            {
                _paths.Add(item);
                continue;
            }

            _cache ??= new GitCache(new GitCacheOptions { Directory = Path.Combine(Path.GetTempPath(), "driftfabric-cli-git") }, TimeProvider.System, NullLogger.Instance);
            var (url, reference, path) = GitUrls.ParseLocator(item);
            var credentials = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 }
                ? GitCredentialNames.None with { TokenEnv = TokenVariable, Username = Environment.GetEnvironmentVariable(UsernameVariable) }
                : GitCredentialNames.None;
            _remotes.Add(new GitSource(new GitDesired(url, reference, path, Timeout.InfiniteTimeSpan) { Credentials = credentials }, _cache, NullLogger.Instance));
        }
    }

    /// <summary>Every manifest of every input, and an error for what could not be read (a remote's naming it).</summary>
    public ManifestSet Read()
    {
        var set = _paths.Count > 0 ? new PathSource(_paths).Read() : new ManifestSet();
        foreach (var remote in _remotes)
        {
            // The remote's manifests are owned by its own set: kept alive until this one is disposed.
            var read = remote.Read();
            _reads.Add(read);
            set.Manifests.AddRange(read.Manifests);
            set.Errors.AddRange(read.Errors);
        }

        return set;
    }

    private readonly List<ManifestSet> _reads = [];

    /// <summary>The drifts with each source file named as its repository's (<c>URL@SHA12:path</c>) rather than this run's cache.</summary>
    public IReadOnlyList<Drift> Named(IReadOnlyList<Drift> drifts) => _remotes.Count == 0
        ? drifts
        : [.. drifts.Select(d => d.Source is { } source ? d with { Source = source with { Source = _remotes.Aggregate(source.Source, (name, remote) => remote.NameOf(name)) } } : d)];

    public void Dispose()
    {
        foreach (var remote in _remotes)
        {
            remote.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _reads.ForEach(r => r.Dispose());
        _cache?.Dispose();
    }
}
