namespace DriftFabric.Grains.Fleet;

/// <summary>What a new membership version means for a cluster: whether a silo died since the last one, and whether its services must be touched.</summary>
internal readonly record struct MembershipChange(bool Changed, bool SiloDied, bool RecoverServices);

/// <summary>
/// Follows the fabric's membership as one cluster activation saw it. The first version an
/// activation sees is no change of its own (though a silo listed dead then still died for it:
/// its services may have twins); a later version with dead silos asks for the services to be
/// touched, so those that lost their activation come back and send what they hold.
/// </summary>
internal sealed class MembershipChanges
{
    private MembershipVersion _seen = MembershipVersion.MinValue;
    private int _dead;

    public MembershipChange Observe(MembershipVersion version, int dead)
    {
        if (version == _seen)
        {
            return default;
        }

        var first = _seen == MembershipVersion.MinValue;
        _seen = version;
        var died = dead > _dead;
        _dead = dead;
        return new MembershipChange(true, died, !first && dead > 0);
    }
}
