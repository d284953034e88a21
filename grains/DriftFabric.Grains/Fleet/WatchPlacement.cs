using System.IO.Hashing;
using System.Text;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// Places cluster grains (and so the watches they own) by rendezvous hashing of the grain's key
/// over the active silos: every silo agrees on where a cluster belongs, the watches spread
/// evenly, and a silo that joins or leaves moves only its own share.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("driftfabric.WatchPlacement")]
public sealed class WatchPlacementStrategy : PlacementStrategy
{
    public static WatchPlacementStrategy Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WatchPlacementAttribute() : PlacementAttribute(WatchPlacementStrategy.Instance);

/// <summary>
/// Places by rendezvous hashing over the silos that are both compatible and active in the
/// membership table. The compatible list alone can still hold a silo that was just declared dead
/// (it follows the cluster manifest, which catches up later); hashing onto it would place the
/// grain on the dead silo again and again.
/// </summary>
public sealed class WatchPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var active = WatchOwners.Active(membership.CurrentSnapshot);
        var candidates = compatible.Where(active.Contains).ToList();
        return Task.FromResult(WatchOwners.Owner(target.GrainIdentity.Key.ToString()!, candidates.Count > 0 ? candidates : compatible));
    }
}

public static class WatchOwners
{
    /// <summary>The silos the membership table holds active: the only ones a watch is placed on.</summary>
    public static HashSet<SiloAddress> Active(ClusterMembershipSnapshot snapshot) =>
        [.. snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress)];

    /// <summary>The silo a key belongs to: the one with the highest hash of (key, silo).</summary>
    public static SiloAddress Owner(string key, IEnumerable<SiloAddress> silos) =>
        silos.MaxBy(s => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key + "|" + s.ToParsableString())))
        ?? throw new InvalidOperationException("no silo to place " + key + " on");

    /// <summary>
    /// True when more than one silo is active and <paramref name="key"/> belongs to another than
    /// <paramref name="here"/> (a silo joined): the watch moves there.
    /// </summary>
    public static bool BelongsElsewhere(ClusterMembershipSnapshot snapshot, string key, SiloAddress? here)
    {
        var active = Active(snapshot);
        return active.Count > 1 && !Owner(key, active).Equals(here);
    }
}
