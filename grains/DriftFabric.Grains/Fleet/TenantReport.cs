using DriftFabric.Abstractions;
using DriftFabric.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// A cluster's roll-up as its tenant last got it. A failure to send (the tenant's silo just died)
/// never aborts the work around it: it is pending, and sent again at the next poll.
/// </summary>
internal sealed class TenantReport(IGrainFactory grains, FabricMetrics metrics, ILogger logger, string cluster)
{
    private ClusterSummary? _reported;

    /// <summary>The last send failed: the next poll sends the roll-up again.</summary>
    public bool Pending { get; private set; }

    public async Task SendAsync(ClusterConfig config, ClusterSummary summary)
    {
        metrics.ReportCluster(config.Tenant, summary);
        _reported = summary;
        try
        {
            await grains.GetGrain<ITenantGrain>(config.Tenant).ReportCluster(summary);
            Pending = false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Pending = true;
            ClusterLog.ReportFailed(logger, e, cluster);
        }
    }

    /// <summary>Sends the roll-up when it is not what the tenant last got from here.</summary>
    public Task SendIfChangedAsync(ClusterConfig config, ClusterSummary summary) => summary != _reported ? SendAsync(config, summary) : Task.CompletedTask;
}
