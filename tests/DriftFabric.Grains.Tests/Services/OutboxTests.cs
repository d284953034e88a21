using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Services;
using Microsoft.Extensions.Time.Testing;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>A service's transitions stored first, then handed to its tenant's log, as plain logic.</summary>
public sealed class OutboxTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly List<(long First, List<DriftTransition> Batch)> _published = [];
    private readonly List<TimeSpan> _detected = [];
    private readonly List<int> _failedWith = [];
    private Func<Task> _answer = () => Task.CompletedTask;

    private Outbox NewOutbox() => new(_time, new Sink(this));

    private static DriftTransition Opened(string path) =>
        new(DriftEventType.Opened, new DriftRecord("apps/Deployment/shop/web", path, DriftKind.Modified, Severity.Medium, "2", "5", "kubectl-scale", null, Now, null), Now);

    [Fact]
    public void Added_transitions_are_numbered_after_the_last_one_and_history_keeps_only_the_latest()
    {
        var state = new ServiceState { EventSequence = 10 };
        var outbox = NewOutbox();

        outbox.Add(state, [.. Enumerable.Range(0, ServiceHistory.Capacity + 5).Select(i => Opened("/p" + i))], _time.GetTimestamp());

        Assert.Equal(10 + ServiceHistory.Capacity + 5, state.EventSequence);
        Assert.Equal(11, state.OutboxFirst);
        Assert.Equal(ServiceHistory.Capacity + 5, state.Outbox.Count);
        Assert.Equal(ServiceHistory.Capacity, state.History.Count);
        Assert.Equal("/p5", state.History[0].Drift.Path);
        Assert.Empty(_published);
    }

    [Fact]
    public async Task Sending_hands_everything_over_in_order_with_its_first_number_and_measures_from_the_oldest_change()
    {
        var state = new ServiceState();
        var outbox = NewOutbox();
        outbox.Add(state, [Opened("/a")], _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(2));
        outbox.Add(state, [Opened("/b")], _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(3));

        outbox.Start(state);
        await outbox.SendLoop;

        var (first, batch) = Assert.Single(_published);
        Assert.Equal(1, first);
        Assert.Equal(["/a", "/b"], batch.Select(t => t.Drift.Path));
        Assert.Empty(state.Outbox);
        Assert.Equal(2, state.EventSequence);
        Assert.Equal([TimeSpan.FromSeconds(5)], _detected);
        Assert.False(outbox.Sending);
    }

    [Fact]
    public async Task What_comes_in_while_a_batch_is_on_its_way_goes_with_the_next_round_of_the_same_loop()
    {
        var state = new ServiceState();
        var outbox = NewOutbox();
        var answer = new TaskCompletionSource();
        _answer = () => answer.Task;
        outbox.Add(state, [Opened("/a")], _time.GetTimestamp());
        outbox.Start(state);

        outbox.Add(state, [Opened("/b"), Opened("/c")], _time.GetTimestamp());
        outbox.Start(state);
        Assert.True(outbox.Sending);
        Assert.Single(_published);

        _answer = () => Task.CompletedTask;
        answer.SetResult();
        await outbox.SendLoop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([(1L, 1), (2L, 2)], _published.Select(p => (p.First, p.Batch.Count)));
        Assert.Empty(state.Outbox);
        Assert.Single(_detected);
    }

    [Fact]
    public async Task A_failed_publish_keeps_the_transitions_and_a_later_start_sends_them_again_under_the_same_numbers()
    {
        var state = new ServiceState();
        var outbox = NewOutbox();
        _answer = () => Task.FromException(new InvalidOperationException("tenant unavailable"));
        outbox.Add(state, [Opened("/a"), Opened("/b")], _time.GetTimestamp());

        outbox.Start(state);
        await outbox.SendLoop;

        Assert.Equal([2], _failedWith);
        Assert.Equal(2, state.Outbox.Count);
        Assert.False(outbox.Sending);
        Assert.Empty(_detected);

        _answer = () => Task.CompletedTask;
        outbox.Start(state);
        await outbox.SendLoop;

        Assert.Equal([1L, 1L], _published.Select(p => p.First));
        Assert.Empty(state.Outbox);
        Assert.Single(_detected);
    }

    [Fact]
    public void Nothing_is_sent_when_nothing_waits_and_no_transitions_start_no_clock()
    {
        var state = new ServiceState();
        var outbox = NewOutbox();

        outbox.Add(state, [], _time.GetTimestamp());
        outbox.Start(state);

        Assert.False(outbox.Sending);
        Assert.Empty(_published);
        Assert.Equal(0, state.EventSequence);
    }

    /// <summary>Keeps what the outbox sent and was told, and answers each publish as the test says.</summary>
    private sealed class Sink(OutboxTests test) : IOutboxSink
    {
        public Task Publish(long first, List<DriftTransition> batch)
        {
            test._published.Add((first, batch));
            return test._answer();
        }

        public void Detected(TimeSpan latency) => test._detected.Add(latency);

        public void Failed(Exception exception, int waiting) => test._failedWith.Add(waiting);
    }
}
