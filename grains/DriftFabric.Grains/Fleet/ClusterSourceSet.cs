using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Sources;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// The sources one cluster activation reads, made by the factory from its configuration: once,
/// and again when the configuration names other sources (the old live source stops first). A
/// change of policy or labels keeps them: the same sources are judged another way.
/// </summary>
internal sealed class ClusterSourceSet(IClusterSourceFactory factory, SecretDigest digest)
{
    private ClusterConfig? _of;
    private IDesiredSource? _desired;
    private ClusterLive? _live;

    /// <summary>The live source as the grain routes it; null before the first <see cref="ForAsync"/>.</summary>
    public ClusterLive? Live => _live;

    /// <summary>The desired source; null before the first <see cref="ForAsync"/>.</summary>
    public IDesiredSource? Desired => _desired;

    public async Task<(IDesiredSource Desired, ClusterLive Live)> ForAsync(ClusterConfig config)
    {
        if (_of is null || _desired is null || _live is null || !SameSources(_of, config))
        {
            await CloseAsync();
            _desired = factory.Desired(config);
            _live = new ClusterLive(factory.Live(config), config, digest);
            _of = config;
        }

        return (_desired, _live);
    }

    /// <summary>Both sources' fingerprints: cheap to take, and different after any edit of a polled source.</summary>
    public static string Fingerprint(IDesiredSource desired, ClusterLive live) => desired.Fingerprint() + live.Source.Fingerprint();

    public static bool SameSources(ClusterConfig a, ClusterConfig b) =>
        a.Tenant == b.Tenant && a.Cluster == b.Cluster && a.DesiredPath == b.DesiredPath && a.LivePath == b.LivePath && a.Kube == b.Kube && a.Git == b.Git;

    /// <summary>Stops both sources (a Git source fetches on its own schedule): the end of the activation, or the configuration names others.</summary>
    public async ValueTask CloseAsync()
    {
        if (_live is { } live)
        {
            _live = null;
            await live.CloseAsync();
        }

        if (_desired is IAsyncDisposable desired)
        {
            _desired = null;
            await desired.DisposeAsync();
        }
    }
}
