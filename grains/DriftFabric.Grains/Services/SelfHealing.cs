using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Grains.Services;

/// <summary>What a self-healing policy does about drifts just opened or changed (<see cref="SelfHealing.Plan"/>).</summary>
/// <param name="Records">A <c>contested</c> record per drift of a resource now left alone.</param>
/// <param name="Requests">The resources to revert or adopt now, with the action.</param>
/// <param name="RetryIn">The shortest backoff still running (a resource acted on too recently), when there is one.</param>
internal sealed record SelfHealingPlan(List<DriftTransition> Records, List<(string Resource, string Action)> Requests, TimeSpan? RetryIn);

/// <summary>
/// The self-healing policy (<c>remediation: [{ action: revert }]</c>) as plain logic: for each
/// resource whose drifts just opened or changed, act now, wait out the backoff, or (acted on
/// <c>maxReverts</c> times within the window) leave it alone as contested.
/// </summary>
internal static class SelfHealing
{
    /// <param name="contested">The resources left alone; a newly contested one is added.</param>
    /// <param name="actions">When each resource was acted on by policy; an action planned now is added.</param>
    public static SelfHealingPlan Plan(
        DriftPolicy policy, ServiceId service, IEnumerable<DriftTransition> transitions, HashSet<string> contested, Dictionary<string, List<DateTimeOffset>> actions, DateTimeOffset now)
    {
        var plan = new SelfHealingPlan([], [], null);
        if (policy.Remediation.Count == 0)
        {
            return plan;
        }

        TimeSpan? retry = null;
        foreach (var group in transitions.Where(t => t.Type is DriftEventType.Opened or DriftEventType.Changed).GroupBy(t => t.Drift.Resource).ToList())
        {
            var resource = group.Key;
            if (contested.Contains(resource) || !ResourceKey.TryParse(resource, out var key)
                || policy.RemediationFor(service.Tenant, key, group.Max(t => t.Drift.Severity)) is not { Action: RemediationAction.Revert or RemediationAction.Adopt } rule)
            {
                continue;
            }

            var times = actions.GetValueOrDefault(resource) ?? [];
            actions[resource] = times;
            var step = rule.Next(times, now);
            switch (step.Decision)
            {
                case SelfHealingDecision.Contested:
                    contested.Add(resource);
                    var verb = rule.Action == RemediationAction.Adopt ? "adopted" : "reverted";
                    var note = new RemediationNote("policy", ActionOf(rule), RemediationOutcome.Contested,
                        $"{verb} {times.Count} times within {rule.Window}: another writer keeps changing it; left alone until its code or the policy changes, or it is back in line", []);
                    plan.Records.AddRange(group.Select(t => new DriftTransition(DriftEventType.Remediated, t.Drift, now) { Remediation = note }));
                    break;
                case SelfHealingDecision.Wait:
                    retry = retry is { } earlier && earlier < step.Wait ? earlier : step.Wait;
                    break;
                default:
                    times.Add(now);
                    plan.Requests.Add((resource, ActionOf(rule)));
                    break;
            }
        }

        return plan with { RetryIn = retry };
    }

    private static string ActionOf(RemediationRule rule) => rule.Action == RemediationAction.Adopt ? RemediationRequest.Adopt : RemediationRequest.Revert;
}
