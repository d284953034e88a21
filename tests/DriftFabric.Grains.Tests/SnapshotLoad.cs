using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;
using DriftFabric.Sources.Files;

namespace DriftFabric.Grains.Tests;

/// <summary>A snapshot cluster's sources read as its grain reads them: the desired directory and the live snapshot, routed by service.</summary>
internal static class SnapshotLoad
{
    public static ClusterLoad Read(ClusterConfig config, SecretDigest digest) =>
        ClusterSources.Load(config, digest, new PathSource(config.DesiredPath), new PathSource(config.LivePath), out _);
}
