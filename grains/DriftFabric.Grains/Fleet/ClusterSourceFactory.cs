using DriftFabric.Abstractions;
using DriftFabric.Sources;
using DriftFabric.Sources.Files;
using DriftFabric.Sources.Git;
using DriftFabric.Sources.Kubernetes;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// Makes a cluster's sources from its configuration: the one place that knows the kinds of
/// source. A new kind (a Git repository, a Kustomize overlay) is added here, and the cluster grain
/// stays as it is.
/// </summary>
public interface IClusterSourceFactory
{
    IDesiredSource Desired(ClusterConfig config);

    ILiveSource Live(ClusterConfig config);
}

/// <summary>
/// Desired state from files, or a Git repository fetched into the silo's cache; live state from a
/// snapshot, or a watch of the API server when the cluster has one.
/// </summary>
public sealed class ClusterSourceFactory(IKubeClientFactory kubeClients, GitCache git, TimeProvider time, ILoggerFactory loggers) : IClusterSourceFactory
{
    private readonly ILogger _logger = loggers.CreateLogger<KubernetesWatchSource>();
    private readonly ILogger _gitLogger = loggers.CreateLogger<GitSource>();

    public IDesiredSource Desired(ClusterConfig config) => config.Git is { } remote
        ? new GitSource(remote, git, _gitLogger)
        : new PathSource(config.DesiredPath);

    public ILiveSource Live(ClusterConfig config) => config.Kube is { } kube
        ? new KubernetesWatchSource(kubeClients, kube, config.Cluster, config.Tenant + "/" + config.Cluster, time, _logger)
        : new PathSource(config.LivePath);
}
