using DriftFabric.Sources;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

/// <summary>What a cluster grain logs, each with its id from <see cref="LogEvents"/>.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = LogEvents.ClusterReportFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not report its roll-up to its tenant; it will again")]
    public static partial void ReportFailed(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterReminderFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not register its watchdog reminder")]
    public static partial void ReminderFailed(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterMoving, Level = LogLevel.Information, Message = "Cluster {Cluster} belongs to another silo now; moving there")]
    public static partial void Moving(ILogger logger, string cluster);

    [LoggerMessage(EventId = LogEvents.ClusterReloaded, Level = LogLevel.Information, Message = "Cluster {Cluster} reloaded: {Sent} services updated, {Errors} input errors")]
    public static partial void Reloaded(ILogger logger, string cluster, int sent, int errors);

    [LoggerMessage(EventId = LogEvents.ClusterServiceFailed, Level = LogLevel.Warning, Message = "Service {Service} could not be updated; it will be sent its state again")]
    public static partial void ServiceFailed(ILogger logger, Exception exception, string service);

    [LoggerMessage(EventId = LogEvents.ClusterPollFailed, Level = LogLevel.Warning, Message = "Cluster {Cluster} could not check or reload its sources; it tries again at the next poll")]
    public static partial void PollFailed(ILogger logger, Exception exception, string cluster);
}
