using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>A service's judgement of its documents, without a grain: stored documents in, drift set out.</summary>
public sealed class ServiceJudgeTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private readonly TempFleet _fleet = TempFleet.Single("judge");

    public void Dispose() => _fleet.Dispose();

    /// <summary>The service's state as its cluster would send it: desired and live read from the fleet's files, routed, stored.</summary>
    private ServiceState StateOf(string desired, string live)
    {
        _fleet.Write("desired/app.yaml", desired);
        _fleet.Write("live.json", live);
        var config = new ClusterConfig("judge", "prod", Path.Combine(_fleet.Root, "desired"), Path.Combine(_fleet.Root, "live.json"), "default", ["app.kubernetes.io/name"], PolicySource.Default, TimeSpan.FromMinutes(1));
        var load = SnapshotLoad.Read(config, SecretDigest.Sha256);
        var service = Assert.Single(load.Desired.Keys);
        return new ServiceState
        {
            Desired = StoredDocument.FromAll(load.Desired[service], [], out _),
            Live = StoredDocument.FromAll(load.Live.GetValueOrDefault(service) ?? [], [], out _),
        };
    }

    private static Engine.DriftEngine Engine() => new PolicyCache(SecretDigest.Sha256).EngineFor(PolicySource.Default, "default");

    [Fact]
    public void A_hand_scaled_deployment_is_one_drift_with_its_manager_and_a_judgement_of_other_resources_leaves_it_as_it_was()
    {
        var state = StateOf(Objects.DesiredDeployment("web", "shop", 2, "web:1"), Objects.List(Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale")));
        var judge = new ServiceJudge();

        var drifts = judge.Judge(state, Engine(), changed: null, default, Now);
        state.Drifts = drifts;
        var again = judge.Judge(state, Engine(), changed: ["core/ConfigMap/shop/other"], default, Now.AddMinutes(1));

        var drift = Assert.Single(drifts.Values);
        // Its onset is when the live object says the field changed (managedFields), not when it was judged.
        Assert.Equal(("apps/Deployment/shop/web", "/spec/replicas", "5", "kubectl-scale"), (drift.Resource, drift.Path, drift.Live, drift.Manager));
        Assert.Equal(DateTimeOffset.Parse("2026-10-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), drift.OnsetAt);
        Assert.Same(drift, Assert.Single(again.Values));
    }

    [Fact]
    public void An_object_back_in_line_has_no_drift_and_one_missing_from_the_cluster_is_missing()
    {
        var inLine = StateOf(Objects.DesiredDeployment("web", "shop", 2, "web:1"), Objects.List(Objects.Deployment("web", "shop", 2, "web:1")));
        var gone = StateOf(Objects.DesiredDeployment("web", "shop", 2, "web:1"), Objects.List());

        Assert.Empty(new ServiceJudge().Judge(inLine, Engine(), null, default, Now));
        Assert.Equal(DriftKind.Missing, Assert.Single(new ServiceJudge().Judge(gone, Engine(), null, default, Now).Values).Kind);
    }
}
