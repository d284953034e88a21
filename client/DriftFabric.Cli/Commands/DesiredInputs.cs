using System.Runtime.CompilerServices;
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

    /// <summary>Made only when a remote is named: a check of files never loads the Git source (nor the logging it is built with).</summary>
    private readonly Remotes? _remotes;

    public DesiredInputs(IReadOnlyList<string> desired)
    {
        _paths.AddRange(desired.Where(d => !GitUrls.IsRemote(d)));
        if (_paths.Count < desired.Count)
        {
            _remotes = Remotes.Of(desired.Where(GitUrls.IsRemote));
        }
    }

    /// <summary>Every manifest of every input, and an error for what could not be read (a remote's naming it).</summary>
    public ManifestSet Read()
    {
        var set = _paths.Count > 0 ? new PathSource(_paths).Read() : new ManifestSet();
        _remotes?.ReadInto(set);
        return set;
    }

    /// <summary>The drifts with each source file named as its repository's (<c>URL@SHA12:path</c>) rather than this run's cache.</summary>
    public IReadOnlyList<Drift> Named(IReadOnlyList<Drift> drifts) => _remotes is null ? drifts : _remotes.Named(drifts);

    public void Dispose() => _remotes?.Dispose();

    private sealed class Remotes : IDisposable
    {
        private readonly GitCache _cache = new(new GitCacheOptions { Directory = Path.Combine(Path.GetTempPath(), "driftfabric-cli-git") }, TimeProvider.System, NullLogger.Instance);
        private readonly List<GitSource> _sources = [];
        private readonly List<ManifestSet> _reads = [];

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static Remotes Of(IEnumerable<string> locators)
        {
            var remotes = new Remotes();
            foreach (var locator in locators)
            {
                var (url, reference, path) = GitUrls.ParseLocator(locator);
                var credentials = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 }
                    ? GitCredentialNames.None with { TokenEnv = TokenVariable, Username = Environment.GetEnvironmentVariable(UsernameVariable) }
                    : GitCredentialNames.None;
                remotes._sources.Add(new GitSource(new GitDesired(url, reference, path, Timeout.InfiniteTimeSpan) { Credentials = credentials }, remotes._cache, NullLogger.Instance));
            }

            return remotes;
        }

        public void ReadInto(ManifestSet set)
        {
            foreach (var source in _sources)
            {
                // The remote's manifests are owned by its own set: kept alive until the run ends.
                var read = source.Read();
                _reads.Add(read);
                set.Manifests.AddRange(read.Manifests);
                set.Errors.AddRange(read.Errors);
            }
        }

        public IReadOnlyList<Drift> Named(IReadOnlyList<Drift> drifts) =>
            [.. drifts.Select(d => d.Source is { } source ? d with { Source = source with { Source = _sources.Aggregate(source.Source, (name, remote) => remote.NameOf(name)) } } : d)];

        public void Dispose()
        {
            foreach (var source in _sources)
            {
                source.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            _reads.ForEach(r => r.Dispose());
            _cache.Dispose();
        }
    }
}
