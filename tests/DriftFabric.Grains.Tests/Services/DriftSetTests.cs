using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>A service's drift set from one judgement to the next, as plain logic.</summary>
public sealed class DriftSetTests
{
    private static readonly DateTimeOffset Before = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Before.AddMinutes(5);

    private static DriftRecord Replicas(string live, DateTimeOffset onset, Severity severity = Severity.Medium) =>
        new("apps/Deployment/shop/web", "/spec/replicas", DriftKind.Modified, severity, "2", live, "kubectl-scale", null, onset, null);

    private static DriftRecord Image(DateTimeOffset onset) =>
        new("apps/Deployment/shop/web", "/spec/template/spec/containers[name=web]/image", DriftKind.Modified, Severity.High, "\"web:1\"", "\"web:9\"", "kubectl-set", null, onset, null);

    private static Dictionary<string, DriftRecord> Set(params DriftRecord[] drifts) => drifts.ToDictionary(d => d.Id, StringComparer.Ordinal);

    [Fact]
    public void A_new_drift_opens_a_different_value_changes_a_gone_one_resolves_and_the_same_one_says_nothing()
    {
        var previous = Set(Replicas("5", Before), Image(Before));
        var current = Set(Replicas("7", Now));

        var transitions = DriftSet.Transitions(previous, current, Now);

        Assert.Equal([(DriftEventType.Changed, "/spec/replicas"), (DriftEventType.Resolved, "/spec/template/spec/containers[name=web]/image")], transitions.Select(t => (t.Type, t.Drift.Path)));
        Assert.Empty(DriftSet.Transitions(current, Set(Replicas("7", Now.AddMinutes(1))), Now.AddMinutes(1)));
        Assert.Equal([DriftEventType.Opened], DriftSet.Transitions(Set(), Set(Image(Now)), Now).Select(t => t.Type));
    }

    [Fact]
    public void A_drift_keeps_the_onset_it_opened_with()
    {
        var current = Set(Replicas("7", Now));

        DriftSet.Transitions(Set(Replicas("5", Before)), current, Now);

        Assert.Equal(Before, Assert.Single(current.Values).OnsetAt);
    }

    [Fact]
    public void The_summary_counts_drifted_resources_once_and_drifts_by_severity()
    {
        var summary = DriftSet.Summarize(3, [Replicas("5", Before), Image(Before)]);

        Assert.Equal(new DriftSummary(3, 1, 0, 1, 1, 0, 1, 1), summary);
        Assert.Equal(new DriftSummary(0, 0, 0, 0, 0, 0, 0, 0), DriftSet.Summarize(0, []));
    }

    [Fact]
    public void A_proxy_replaces_its_resources_drifts_and_leaves_the_others_and_the_held_set_alone()
    {
        var proxy = new DriftRecord("caddy/Proxy/_/edge", "/apps/http/servers/srv0/routes/0", DriftKind.Modified, Severity.High, "a", "b", null, null, Now, null);
        var previous = Set(Replicas("5", Before), proxy with { Path = "/old" });

        var replaced = DriftSet.WithResource(previous, "caddy/Proxy/_/edge", [proxy]);
        var removed = DriftSet.WithResource(previous, "caddy/Proxy/_/edge", null);

        Assert.Equal(["/apps/http/servers/srv0/routes/0", "/spec/replicas"], replaced.Values.Select(d => d.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["/spec/replicas"], removed.Values.Select(d => d.Path));
        Assert.Equal(2, previous.Count);
        Assert.Contains(previous.Values, d => d.Path == "/old");
    }
}
