using DriftFabric.Engine.Manifests;

namespace DriftFabric.Sources;

/// <summary>
/// Where a cluster's desired state is kept: a directory or file of manifests, or a Git repository.
/// It is read whole, and only when its <see cref="Fingerprint"/> moved, so a poll of an unchanged
/// source costs a few file stats (or nothing: a Git source fetches on its own schedule).
/// </summary>
public interface IDesiredSource
{
    /// <summary>Cheap to take, and different after any edit.</summary>
    string Fingerprint();

    /// <summary>Every manifest the source declares, and an error (naming its file and line) for what could not be read.</summary>
    ManifestSet Read();

    /// <summary>The revision what <see cref="Read"/> last returned was read at (a Git commit SHA); null for files.</summary>
    string? Revision => null;

    /// <summary>How a file <see cref="Read"/> read is named to people (a Git source's: the repository's file at its commit).</summary>
    string NameOf(string file) => file;

    /// <summary>Looks for a change now rather than at its next interval (a push webhook said there is one); files need not.</summary>
    void Refresh()
    {
    }
}
