using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

public sealed class MembershipChangesTests
{
    [Fact]
    public void The_first_version_an_activation_sees_recovers_nothing_but_a_dead_silo_in_it_still_died_for_it()
    {
        var changes = new MembershipChanges();

        var first = changes.Observe(new MembershipVersion(3), dead: 1);

        Assert.Equal(new MembershipChange(Changed: true, SiloDied: true, RecoverServices: false), first);
    }

    [Fact]
    public void A_later_version_with_a_new_dead_silo_asks_to_resync_and_to_touch_the_services()
    {
        var changes = new MembershipChanges();
        changes.Observe(new MembershipVersion(1), dead: 0);

        var died = changes.Observe(new MembershipVersion(2), dead: 1);
        var same = changes.Observe(new MembershipVersion(2), dead: 1);
        var joined = changes.Observe(new MembershipVersion(3), dead: 1);
        var healthy = changes.Observe(new MembershipVersion(4), dead: 0);

        Assert.Equal(new MembershipChange(true, SiloDied: true, RecoverServices: true), died);
        Assert.Equal(default, same);
        // A silo joined while the dead one is still listed: nothing died, the services are touched again.
        Assert.Equal(new MembershipChange(true, SiloDied: false, RecoverServices: true), joined);
        Assert.Equal(new MembershipChange(true, SiloDied: false, RecoverServices: false), healthy);
    }
}
