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
    public void A_storage_conflict_the_grain_handles_is_not_an_error_but_any_other_storage_failure_is()
    {
        var written = new List<(LogLevel Level, int Event)>();
        using var provider = new HandledConflicts.ConflictFilter(new ListProvider(written));
        var storage = provider.CreateLogger("Orleans.Storage.RedisGrainStorage");
        var ours = provider.CreateLogger("DriftFabric.Grains.Services.ServiceGrain");

        storage.Log(LogLevel.Error, new EventId(HandledConflicts.StorageWriteFailed), "write failed", new Orleans.Storage.InconsistentStateException("etag"), (s, _) => s);
        storage.Log(LogLevel.Error, new EventId(HandledConflicts.StorageWriteFailed), "write failed", new TimeoutException(), (s, _) => s);
        ours.Log(LogLevel.Error, new EventId(HandledConflicts.StorageWriteFailed), "not Orleans", new Orleans.Storage.InconsistentStateException("etag"), (s, _) => s);
        storage.Log(LogLevel.Error, new EventId(1), "another event", new Orleans.Storage.InconsistentStateException("etag"), (s, _) => s);

        Assert.Equal([(LogLevel.Error, HandledConflicts.StorageWriteFailed), (LogLevel.Error, HandledConflicts.StorageWriteFailed), (LogLevel.Error, 1)], written);
    }

    [Fact]
    public void A_join_check_orleans_tries_again_is_a_warning_but_a_failed_join_stays_an_error()
    {
        var written = new List<(LogLevel Level, int Event)>();
        using var provider = new HandledConflicts.ConflictFilter(new ListProvider(written));
        var membership = provider.CreateLogger("Orleans.Runtime.MembershipService.MembershipAgent");

        membership.Log(LogLevel.Error, new EventId(HandledConflicts.JoinCheckRetried), "Failed to get ping responses from 1 of 2 active silos. Will continue attempting to validate connectivity until 12/07/2026 20:48:09. Attempt #1", null, (s, _) => s);
        membership.Log(LogLevel.Error, new EventId(HandledConflicts.JoinCheckRetried), "Failed to get ping responses from 1 of 2 active silos. Giving up.", null, (s, _) => s);
        membership.Log(LogLevel.Error, new EventId(100662), "Will continue attempting", null, (s, _) => s);

        Assert.Equal([(LogLevel.Warning, HandledConflicts.JoinCheckRetried), (LogLevel.Error, HandledConflicts.JoinCheckRetried), (LogLevel.Error, 100662)], written);
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
