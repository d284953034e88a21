using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Tests.Policy;

/// <summary>A revert policy's pace: a backoff that doubles with each action, and a contest after too many within the window.</summary>
public class SelfHealingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);

    private static readonly RemediationRule Rule = new(null, ResourceSelector.All, Severity.Low, RemediationAction.Revert,
        MaxReverts: 3, Window: TimeSpan.FromHours(1), Backoff: TimeSpan.FromSeconds(30));

    [Fact]
    public void A_resource_never_acted_on_is_acted_on_at_once()
    {
        Assert.Equal(new SelfHealingStep(SelfHealingDecision.Act, TimeSpan.Zero), Rule.Next([], T0));
    }

    [Fact]
    public void The_backoff_doubles_with_each_action_within_the_window()
    {
        Assert.Equal(new SelfHealingStep(SelfHealingDecision.Wait, TimeSpan.FromSeconds(20)), Rule.Next([T0], T0.AddSeconds(10)));
        Assert.Equal(SelfHealingDecision.Act, Rule.Next([T0], T0.AddSeconds(30)).Decision);
        Assert.Equal(new SelfHealingStep(SelfHealingDecision.Wait, TimeSpan.FromSeconds(50)), Rule.Next([T0, T0.AddSeconds(30)], T0.AddSeconds(40)));
        Assert.Equal(SelfHealingDecision.Act, Rule.Next([T0, T0.AddSeconds(30)], T0.AddSeconds(90)).Decision);
    }

    [Fact]
    public void A_resource_acted_on_max_times_within_the_window_is_contested_and_older_actions_are_forgotten()
    {
        List<DateTimeOffset> acted = [T0, T0.AddMinutes(1), T0.AddMinutes(3)];

        Assert.Equal(SelfHealingDecision.Contested, Rule.Next([.. acted], T0.AddMinutes(30)).Decision);

        // An hour after the first action, it has fallen out of the window: two remain, and the backoff after two has passed.
        var later = acted.ToList();
        Assert.Equal(SelfHealingDecision.Act, Rule.Next(later, T0.AddMinutes(61)).Decision);
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(3)], later);
    }
}
