using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>When a resource the self-healing policy acted on gets another chance, as plain logic.</summary>
public sealed class SecondChancesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private const string Web = "apps/Deployment/shop/web";
    private const string Api = "apps/Deployment/shop/api";
    private const string Worker = "apps/Deployment/shop/worker";

    private static StoredDocument Doc(string key, string json) => StoredDocument.From(new ResourceDocument(key, Encoding.UTF8.GetBytes(json), "repo/app.yaml", 1));

    private static DriftRecord Drift(string resource, string path = "/spec/replicas") =>
        new(resource, path, DriftKind.Modified, Severity.Medium, "2", "5", "kubectl-scale", null, Now, null);

    /// <summary>Every resource contested and reverted once; the old desired documents hold web and api.</summary>
    private static (ServiceState State, List<StoredDocument> Before) Contested()
    {
        var before = new List<StoredDocument> { Doc(Api, "{\"a\":1}"), Doc(Web, "{\"w\":1}") };
        var state = new ServiceState
        {
            Desired = before,
            Policy = new PolicySource("driftfabric.yaml", "remediation: []\n", "hash-1"),
        };
        foreach (var resource in new[] { Web, Api, Worker })
        {
            state.Contested.Add(resource);
            state.Reverts[resource] = [Now];
        }

        return (state, before);
    }

    [Fact]
    public void New_code_for_a_resource_gives_that_one_another_chance_and_leaves_the_others_contested()
    {
        var (state, before) = Contested();
        state.Desired = [Doc(Web, "{\"w\":2}"), Doc(Worker, "{\"k\":1}")];

        SecondChances.AfterNewCode(state, before, state.Policy);

        // web changed, worker was added, api was removed: all three are new code.
        Assert.Empty(state.Contested);
        Assert.Empty(state.Reverts);

        (state, before) = Contested();
        state.Desired = [Doc(Api, "{\"a\":1}"), Doc(Web, "{\"w\":2}")];

        SecondChances.AfterNewCode(state, before, state.Policy);

        Assert.Equal([Api, Worker], state.Contested.Order(StringComparer.Ordinal));
        Assert.Equal([Api, Worker], state.Reverts.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_new_policy_gives_every_resource_another_chance()
    {
        var (state, before) = Contested();

        SecondChances.AfterNewCode(state, before, new PolicySource("driftfabric.yaml", "remediation: []\n", "hash-2"));

        Assert.Empty(state.Contested);
        Assert.Empty(state.Reverts);
    }

    [Fact]
    public void A_contested_resource_all_of_whose_drifts_resolved_is_contested_no_more_but_its_actions_still_count()
    {
        var (state, _) = Contested();
        state.Drifts = new Dictionary<string, DriftRecord>(StringComparer.Ordinal) { [Drift(Api, "/spec/paused").Id] = Drift(Api, "/spec/paused") };

        SecondChances.AfterResolved(state, [
            new DriftTransition(DriftEventType.Resolved, Drift(Web), Now),
            new DriftTransition(DriftEventType.Resolved, Drift(Api), Now),
            new DriftTransition(DriftEventType.Opened, Drift(Worker), Now),
        ]);

        Assert.Equal([Api, Worker], state.Contested.Order(StringComparer.Ordinal));
        Assert.Equal(3, state.Reverts.Count);
    }
}
