using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests;

public sealed class ClusterSourcesTests
{
    private static readonly SecretDigest Digest = SecretDigest.Hmac(System.Text.Encoding.UTF8.GetBytes(FabricFixture.DigestKey));

    [Fact]
    public void A_desired_file_that_does_not_parse_names_no_service_for_the_objects_it_lists()
    {
        using var fleet = TempFleet.Single("broken", "prod");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", Objects.List([Objects.Deployment("web", "shop", 2, "web:1", "web")]));
        fleet.Write("desired/zz-bad.yaml", string.Concat(Enumerable.Range(0, 50).Select(i => $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bad-{i}, namespace: shop}}\n---\n")) + "metadata: { name: [unclosed\n");

        var load = SnapshotLoad.Read(Config(fleet, "broken"), Digest);

        Assert.False(load.DesiredUsable);
        Assert.Equal(["broken/prod/shop/web"], load.Services);
    }

    [Fact]
    public void A_snapshot_cut_off_names_no_service_for_the_objects_read_before_the_cut()
    {
        using var fleet = TempFleet.Single("cut", "prod");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        // Objects one after another, as a snapshot being written by `kubectl get -o json` per object is.
        var third = Objects.Deployment("third", "shop", 1, "third:1", "third", manager: "kubectl-create");
        fleet.Write("live.json", Objects.Deployment("web", "shop", 2, "web:1", "web") + "\n" + Objects.Deployment("stray", "shop", 1, "stray:1", "stray", manager: "kubectl-create") + "\n" + third[..(third.Length / 2)]);

        var load = SnapshotLoad.Read(Config(fleet, "cut"), Digest);

        Assert.False(load.LiveUsable);
        Assert.Equal(["cut/prod/shop/web"], load.Services);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    public void An_empty_snapshot_is_a_snapshot_being_written_not_a_cluster_with_nothing_in_it(string text)
    {
        // `kubectl get -o json > live.json` empties the file before it writes: a poll in between
        // must not see every declared object missing.
        using var fleet = TempFleet.Single("empty", "prod");
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        fleet.Write("live.json", text);

        var load = SnapshotLoad.Read(Config(fleet, "empty"), Digest);

        Assert.False(load.LiveUsable);
        Assert.Contains(load.Errors, e => e.Contains("live.json", StringComparison.Ordinal) && e.Contains("empty", StringComparison.Ordinal));
    }

    private static ClusterConfig Config(TempFleet fleet, string tenant) =>
        new(tenant, "prod", Path.Combine(fleet.Root, "desired"), Path.Combine(fleet.Root, "live.json"), "default", ["app.kubernetes.io/name"], PolicySource.Default, TimeSpan.FromMinutes(1));
}
