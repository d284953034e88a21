using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>What a cluster sends each service after a load: only the parts that changed since it last sent them.</summary>
public sealed class ClusterTablesTests
{
    private const string Web = "acme/prod/shop/web";

    private static readonly ClusterConfig Config = new("acme", "prod", "desired", "live.json", "default", ["app"], PolicySource.Default, TimeSpan.FromSeconds(1));

    private static ResourceDocument Doc(string key, string json) => new(key, Encoding.UTF8.GetBytes(json), null, 0);

    private static ClusterLoad Load(string desired, string live, bool liveUsable = true)
    {
        var load = new ClusterLoad { LiveUsable = liveUsable };
        load.Desired[Web] = [Doc("apps/Deployment/shop/web", desired)];
        load.Live[Web] = [Doc("apps/Deployment/shop/web", live)];
        return load;
    }

    [Fact]
    public void A_service_is_sent_both_parts_first_then_only_the_part_that_changed_and_nothing_when_nothing_did()
    {
        var tables = new ClusterTables();

        var first = tables.ChangesFor(Config, Load("""{"spec":{"replicas":2}}""", """{"spec":{"replicas":2}}"""), Web);
        var same = tables.ChangesFor(Config, Load("""{"spec":{"replicas":2}}""", """{"spec":{"replicas":2}}"""), Web);
        var scaled = tables.ChangesFor(Config, Load("""{"spec":{"replicas":2}}""", """{"spec":{"replicas":5}}"""), Web);

        Assert.True(first is { Desired.Count: 1, Live.Count: 1 } && first.Policy == PolicySource.Default);
        Assert.Null(same);
        Assert.True(scaled is { Desired: null, Policy: null, Live.Count: 1 });
    }

    [Fact]
    public void A_live_source_that_cannot_be_read_sends_no_live_part_and_a_forgotten_service_is_sent_everything_again()
    {
        var tables = new ClusterTables();
        tables.ChangesFor(Config, Load("""{"spec":{"replicas":2}}""", """{"spec":{"replicas":2}}"""), Web);

        var broken = tables.ChangesFor(Config, Load("""{"spec":{"replicas":3}}""", "{}", liveUsable: false), Web);
        tables.ForgetSent(Web);
        var again = tables.ChangesFor(Config, Load("""{"spec":{"replicas":3}}""", """{"spec":{"replicas":2}}"""), Web);

        Assert.True(broken is { Desired.Count: 1, Live: null });
        Assert.True(again is { Desired.Count: 1, Live.Count: 1 });
    }
}
