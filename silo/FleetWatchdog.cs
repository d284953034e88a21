using DriftFabric.Grains.Fleet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo;

/// <summary>What the watchdog watches, and how often it looks.</summary>
public sealed record WatchdogOptions(string FleetPath, TimeSpan Interval);

/// <summary>
/// Runs on every silo: every interval it makes sure each cluster of the fleet is watched, which
/// reactivates (and so re-lists) any cluster whose silo died or restarted. A cluster already being
/// watched is left alone, so the check costs one call per cluster.
/// </summary>
public sealed partial class FleetWatchdog(WatchdogOptions options, FleetLoader loader, ILogger<FleetWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await loader.EnsureAsync(options.FleetPath, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCheckFailed(logger, e, options.FleetPath);
            }
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Watchdog could not check the clusters of {Fleet}")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string fleet);
}
