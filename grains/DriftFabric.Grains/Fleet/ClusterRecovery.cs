using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// How a cluster comes through a change of the fabric's silos, seen at each watchdog tick.
/// <para>
/// A silo died (for a new activation: the membership lists a dead silo). In that moment Orleans'
/// directory loses the entries the dead silo held, and a service can be activated a second time
/// beside a live one; the one that stays may hold state its twin changed since (a drift whose
/// resolution went to the twin), and would answer with it until its next change. Once the fabric
/// has settled (<see cref="SettleDelay"/>), every service is sent its whole state again: a stale
/// twin's write meets the newer version in storage and stands down, and the update is sent again
/// to an activation that reads what is stored. A change lost in the failover is caught the same way.
/// </para>
/// <para>
/// After a silo left, some services may also have lost their activation with transitions stored
/// but unconfirmed in the tenant's log: touching each one reactivates it, and a reactivated
/// service sends what it holds. The tenant may have died too, and come back with the roll-ups it
/// last stored (every few seconds): it is told this cluster's again.
/// </para>
/// </summary>
/// <param name="settled">The grain's timer for the resend once settled.</param>
/// <param name="resendAll">Sends every service its whole state again.</param>
internal sealed class ClusterRecovery(OnceTimer settled, Func<CancellationToken, Task> resendAll, ClusterServices services, TenantReport report)
{
    /// <summary>How long after a silo's death the services are sent their state again.</summary>
    public static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(5);

    private readonly MembershipChanges _membership = new();

    public async Task AfterMembershipChangeAsync(ClusterMembershipSnapshot snapshot, ClusterConfig? config, Func<ClusterSummary> summary)
    {
        var change = _membership.Observe(snapshot.Version, snapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead));
        if (change.SiloDied)
        {
            settled.Start(SettleDelay, resendAll, restart: true);
        }

        if (!change.RecoverServices)
        {
            return;
        }

        await services.TouchAllAsync();
        if (config is not null)
        {
            await report.SendAsync(config, summary());
        }
    }
}
