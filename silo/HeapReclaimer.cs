using System.Runtime;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo;

/// <summary>How often the reclaimer looks at the heap, and how much growth it lets be.</summary>
public sealed record HeapReclaimOptions(TimeSpan Interval, long Slack)
{
    public static HeapReclaimOptions Default { get; } = new(TimeSpan.FromSeconds(5), 128L << 20);
}

/// <summary>
/// Gives memory back to the system after a burst. A bad 50 MB source is parsed into several
/// hundred megabytes of trees before its error is found, and a burst of event streams grows the
/// heap; once that garbage is dead the collector keeps the memory it committed for it (it runs
/// a full collection only when its budgets say so, which an idle silo may never reach, and even
/// then hands memory back only gradually). Every <see cref="HeapReclaimOptions.Interval"/> this
/// compares the memory the collector has committed with what it held after the last reclaim (the
/// floor). Once the burst is over (the silo allocated less than <see cref="HeapReclaimOptions.Slack"/>
/// since the last look: its garbage is dead, none is being made), a heap grown by more than half
/// the floor and more than the slack gets one aggressive full collection (large objects
/// compacted, free memory decommitted), and what is committed after it is the new floor. A busy
/// silo is never interrupted; a heap that grew because the fleet grew is reclaimed once per half
/// again of its size; the ordinary churn of an idle silo stays within the slack.
/// </summary>
public sealed partial class HeapReclaimer(HeapReclaimOptions options, TimeProvider time, ILogger<HeapReclaimer> logger) : BackgroundService
{
    private long _floor = -1;

    /// <summary>Whether memory committed now, against the floor, with what was allocated since the last look, calls for a reclaim.</summary>
    public static bool ShouldReclaim(long committed, long floor, long allocated, long slack) =>
        floor >= 0 && allocated < slack && committed - floor > Math.Max(floor / 2, slack);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticks = new PeriodicTimer(options.Interval, time);
        var allocated = GC.GetTotalAllocatedBytes();
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            var now = GC.GetTotalAllocatedBytes();
            Check(GC.GetGCMemoryInfo().TotalCommittedBytes, now - allocated);
            allocated = now;
        }
    }

    /// <summary>One look at the heap: the first sets the floor; later ones reclaim when it grew too far above it.</summary>
    internal void Check(long committed, long allocated)
    {
        if (_floor < 0)
        {
            _floor = committed;
            return;
        }

        if (!ShouldReclaim(committed, _floor, allocated, options.Slack))
        {
            return;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        LogReclaimed(logger, committed >> 20, after >> 20, _floor >> 20);
        _floor = after;
    }

    [LoggerMessage(EventId = LogEvents.HeapReclaimed, Level = LogLevel.Information, Message = "Heap: committed {Before} MiB against a floor of {Floor} MiB; after a full collection {After} MiB")]
    private static partial void LogReclaimed(ILogger logger, long before, long after, long floor);
}
