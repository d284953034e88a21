using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Policy;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>A self-healing policy's plan for drifts just opened or changed, as plain logic.</summary>
public sealed class SelfHealingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private static readonly ServiceId Web = new("acme", "prod", "shop", "web");

    private static DriftPolicy Policy(string rules) =>
        DriftPolicyReader.Parse("driftfabric.yaml", "remediation:\n" + rules + "\n").Policy;

    private static DriftTransition Opened(string resource, Severity severity = Severity.Medium) =>
        new(DriftEventType.Opened, new DriftRecord(resource, "/spec/replicas", DriftKind.Modified, severity, "2", "5", "kubectl-scale", null, Now, null), Now);

    [Fact]
    public void A_drift_the_policy_selects_is_reverted_once_per_resource_and_the_action_is_counted()
    {
        var actions = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal);

        var plan = SelfHealing.Plan(Policy("- { kind: apps/Deployment, minSeverity: medium, action: revert }"), Web,
            [Opened("apps/Deployment/shop/web"), Opened("apps/Deployment/shop/web"), Opened("core/ConfigMap/shop/web"), Opened("apps/Deployment/shop/api", Severity.Low)],
            [], actions, Now);

        Assert.Equal([("apps/Deployment/shop/web", RemediationRequest.Revert)], plan.Requests);
        Assert.Equal([Now], actions["apps/Deployment/shop/web"]);
        Assert.Empty(plan.Records);
        Assert.Null(plan.RetryIn);
    }

    [Fact]
    public void Within_the_backoff_it_waits_and_past_max_reverts_in_the_window_the_resource_is_contested_and_left_alone()
    {
        var policy = Policy("- { kind: apps/Deployment, action: revert, maxReverts: 2, window: 1h, backoff: 30s }");
        var contested = new HashSet<string>(StringComparer.Ordinal);
        var actions = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal) { ["apps/Deployment/shop/web"] = [Now.AddSeconds(-10)] };

        var waiting = SelfHealing.Plan(policy, Web, [Opened("apps/Deployment/shop/web")], contested, actions, Now);
        actions["apps/Deployment/shop/web"] = [Now.AddMinutes(-20), Now.AddMinutes(-10)];
        var fighting = SelfHealing.Plan(policy, Web, [Opened("apps/Deployment/shop/web")], contested, actions, Now);
        var after = SelfHealing.Plan(policy, Web, [Opened("apps/Deployment/shop/web")], contested, actions, Now.AddHours(2));

        Assert.Empty(waiting.Requests);
        Assert.True(waiting.RetryIn > TimeSpan.Zero);
        Assert.Empty(fighting.Requests);
        var record = Assert.Single(fighting.Records);
        Assert.Equal((DriftEventType.Remediated, "policy", RemediationOutcome.Contested), (record.Type, record.Remediation!.Actor, record.Remediation.Outcome));
        Assert.Contains("apps/Deployment/shop/web", contested);
        Assert.Empty(after.Requests);
    }

    [Fact]
    public void Without_remediation_rules_nothing_is_planned()
    {
        var plan = SelfHealing.Plan(DriftPolicy.Default, Web, [Opened("apps/Deployment/shop/web", Severity.Critical)], [], new Dictionary<string, List<DateTimeOffset>>(), Now);

        Assert.Equal((0, 0, (TimeSpan?)null), (plan.Requests.Count, plan.Records.Count, plan.RetryIn));
    }
}
