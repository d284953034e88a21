using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Notifications;

namespace DriftFabric.Grains.Tests.Notifications;

/// <summary>A failing receiver and the webhook's backoff, on a fabric whose clock only the test moves.</summary>
[Collection(FakeClockTests.Name)]
public sealed class WebhookBackoffTests(FakeClockFabric fabric) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(WebhookTests.KeyVariable, WebhookTests.Key);
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_failing_receiver_gets_the_event_again_1_s_later_then_2_s_later_until_it_takes_it()
    {
        _receiver.FailNext(2);
        using var fleet = WebhookTests.HookedFleet(_receiver.Url, "hooks-backoff", "skippedReview: true");
        var hook = fabric.Client.GetGrain<IWebhookGrain>("hooks-backoff/hook");
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        // The webhook's next look at the log (its timer runs on the fabric's clock): the post fails,
        // and the next one is due a second later.
        fabric.Clock.Advance(TimeSpan.FromMilliseconds(100));
        var failed = await Eventually.ReachAsync(hook.GetStatus, s => s.NextAttemptAt is not null);
        Assert.Equal(fabric.Clock.GetUtcNow() + TimeSpan.FromSeconds(1), failed.NextAttemptAt);
        Assert.Single(_receiver.Received);

        // A second later it is posted again, fails again, and waits twice as long.
        fabric.Clock.Advance(TimeSpan.FromSeconds(1));
        var again = await Eventually.ReachAsync(hook.GetStatus, s => s.NextAttemptAt > failed.NextAttemptAt);
        Assert.Equal(fabric.Clock.GetUtcNow() + TimeSpan.FromSeconds(2), again.NextAttemptAt);
        Assert.Equal(2, _receiver.Received.Count);

        // Two seconds later it is taken, once.
        fabric.Clock.Advance(TimeSpan.FromSeconds(2));
        var delivery = Assert.Single(await _receiver.WaitForAcceptedAsync(1, TimeSpan.FromSeconds(30)));
        var done = await Eventually.ReachAsync(hook.GetStatus, s => s.Delivered == 1);
        Assert.Equal((0L, null, (DateTimeOffset?)null), (done.Failed, done.LastError, done.NextAttemptAt));
        Assert.Equal(3, _receiver.Received.Count);
        Assert.All(_receiver.Received, r => Assert.Equal(delivery.Body, r.Body));
    }
}
