using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Tests;

/// <summary>What silos print as they start: no error that is not one.</summary>
public sealed class StartupLogTests
{
    [Fact]
    public async Task Silos_starting_together_on_redis_print_no_error_before_they_watch()
    {
        // Four silos starting at once share out the stream queues while they start: each cancels
        // the reads of queues that move to another (which Orleans logs as errors).
        await using var rig = await FabricRig.StartAsync(clusters: 2, silos: 4, snapshots: 1);

        foreach (var silo in rig.Silos)
        {
            Assert.Contains(silo.Seen, l => l.StartsWith("Watching desired and live sources", StringComparison.Ordinal));
            var errors = silo.Seen.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, $"silo {silo.SiloPort} printed errors as it started:\n{string.Join('\n', errors)}");
        }
    }

    [Fact]
    public void A_cancelled_stream_queue_read_is_not_an_error_but_the_same_event_with_another_exception_is()
    {
        var written = new List<(LogLevel Level, int Event)>();
        using var provider = new ExpectedCancellations.ExpectedCancellationFilter(new ListProvider(written));
        var receiver = provider.CreateLogger("Orleans.Providers.MemoryAdapterReceiver`1[[Orleans.Providers.DefaultMemoryMessageBodySerializer]].driftfabric.driftfabric-1");
        var agent = provider.CreateLogger("Orleans.Streams.driftfabric");

        receiver.Log(LogLevel.Error, new EventId(ExpectedCancellations.MemoryQueueReadFailed), "read failed", new OperationCanceledException(), (s, _) => s);
        agent.Log(LogLevel.Error, new EventId(ExpectedCancellations.PullingAgentReadFailed), "retrying", new TaskCanceledException(), (s, _) => s);
        agent.Log(LogLevel.Error, new EventId(ExpectedCancellations.PullingAgentReadFailed), "retrying", new TimeoutException(), (s, _) => s);
        agent.Log(LogLevel.Error, new EventId(1), "another event", new OperationCanceledException(), (s, _) => s);

        Assert.Equal([(LogLevel.Error, ExpectedCancellations.PullingAgentReadFailed), (LogLevel.Error, 1)], written);
    }

    private sealed class ListProvider(List<(LogLevel, int)> written) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(written);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(List<(LogLevel, int)> written) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            written.Add((logLevel, eventId.Id));
    }
}
