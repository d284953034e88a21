using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace DriftFabric.Silo;

/// <summary>What the watchdog watches, and how often it looks.</summary>
public sealed record WatchdogOptions(string FleetPath, TimeSpan Interval);

/// <summary>
/// Runs on every silo: every interval, and at once when a silo is declared dead, it makes sure
/// each cluster of the fleet is watched, which reactivates (and so re-lists) any cluster whose
/// silo died or restarted. A cluster already being watched is left alone, so the check costs one
/// call per cluster.
/// </summary>
public sealed partial class FleetWatchdog(WatchdogOptions options, FleetLoader loader, IClusterMembershipService membership, ILogger<FleetWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wake = new SemaphoreSlim(0);
        var deaths = WatchForDeathsAsync(wake, stoppingToken);
        using var timer = new PeriodicTimer(options.Interval);
        var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
        while (!stoppingToken.IsCancellationRequested)
        {
            var woken = wake.WaitAsync(stoppingToken);
            if (await Task.WhenAny(tick, woken) == tick)
            {
                if (!await tick)
                {
                    break;
                }

                tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            }

            try
            {
                await loader.EnsureAsync(options.FleetPath, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCheckFailed(logger, e, options.FleetPath);
            }
        }

        await deaths;
    }

    /// <summary>Wakes the check whenever the membership says a silo died: its clusters are watched again on a survivor without waiting for the next tick.</summary>
    private async Task WatchForDeathsAsync(SemaphoreSlim wake, CancellationToken stoppingToken)
    {
        var dead = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead);
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var now = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead);
                if (now > dead)
                {
                    wake.Release();
                }

                dead = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = LogEvents.WatchdogFailed, Level = LogLevel.Warning, Message = "Watchdog could not check the clusters of {Fleet}")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string fleet);
}
