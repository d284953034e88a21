using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>A grain call that meets a fabric in motion is asked again; any other failure is the caller's at once.</summary>
public sealed class GrainCallsTests
{
    private static DuplicateActivationException Duplicate() => new("driftfabric.cluster/acme/c0", null);

    [Fact]
    public async Task A_call_that_met_a_duplicate_activation_is_asked_again_and_answers()
    {
        var calls = 0;

        var answer = await GrainCalls.RetryTransientAsync(() => ++calls < 3 ? throw Duplicate() : Task.FromResult(calls));

        Assert.Equal(3, answer);
    }

    [Fact]
    public async Task Any_other_failure_is_not_asked_again()
    {
        var calls = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => GrainCalls.RetryTransientAsync(() =>
        {
            calls++;
            throw new InvalidOperationException("cluster acme/c0 is not configured");
        }));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_fabric_that_stays_in_motion_fails_the_call_after_five_tries()
    {
        var calls = 0;

        await Assert.ThrowsAsync<DuplicateActivationException>(() => GrainCalls.RetryTransientAsync(() =>
        {
            calls++;
            throw Duplicate();
        }));

        Assert.Equal(5, calls);
    }
}
