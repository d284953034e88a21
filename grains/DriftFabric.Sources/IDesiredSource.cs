using DriftFabric.Engine.Manifests;

namespace DriftFabric.Sources;

/// <summary>
/// Where a cluster's desired state is kept: a directory or file of manifests today. It is read
/// whole, and only when its <see cref="Fingerprint"/> moved, so a poll of an unchanged source costs
/// a few file stats.
/// </summary>
public interface IDesiredSource
{
    /// <summary>Cheap to take, and different after any edit.</summary>
    string Fingerprint();

    /// <summary>Every manifest the source declares, and an error (naming its file and line) for what could not be read.</summary>
    ManifestSet Read();
}
