using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Client;

/// <summary>
/// What consumers of drift ask a running fabric: roll-ups of the fleet, a tenant, a cluster; the
/// drift and history of one service; the drift of one resource; and a tenant's drift events as
/// they happen, resumable from a sequence number.
/// </summary>
/// <remarks>Names that the fabric does not know raise <see cref="DriftFabricNotFoundException"/>.</remarks>
public interface IDriftClient
{
    /// <summary>Every tenant of the loaded fleet spec with its summary, and their total.</summary>
    Task<FleetSummary> GetFleetAsync(CancellationToken cancellationToken = default);

    Task<TenantSummary> GetTenantAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>A cluster's roll-up, the summary line of each of its services, and its proxies' states.</summary>
    Task<ClusterDetail> GetClusterAsync(string tenant, string cluster, CancellationToken cancellationToken = default);

    /// <summary>A proxy of a cluster: its state (ok, unreachable, invalid...) and its current drifts.</summary>
    Task<ProxyDetail> GetProxyAsync(string tenant, string cluster, string proxy, CancellationToken cancellationToken = default);

    /// <summary>A service's summary and its current drifts.</summary>
    Task<ServiceDrift> GetServiceAsync(ServiceId service, CancellationToken cancellationToken = default);

    /// <summary>A service's most recent transitions, oldest first.</summary>
    Task<IReadOnlyList<DriftTransition>> GetHistoryAsync(ServiceId service, CancellationToken cancellationToken = default);

    /// <summary>The current drifts of one resource of a service (empty: in sync); <paramref name="resource"/> as drifts name it, e.g. <c>apps/Deployment/shop/web</c>.</summary>
    Task<IReadOnlyList<DriftRecord>> GetResourceDriftAsync(ServiceId service, string resource, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts a service's drift right (<see cref="RemediationRequest.Revert"/>), for all its drifted
    /// resources or the one named; a dry run only shows what would change. Real actions are
    /// recorded as <see cref="DriftEventType.Remediated"/> events.
    /// </summary>
    Task<RemediationReport> RemediateAsync(RemediationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// A cluster's whole drift set: <see cref="RemediateAsync"/> for each of its drifted services,
    /// one after the other (an adoption makes one branch per service).
    /// </summary>
    Task<IReadOnlyList<RemediationReport>> RemediateClusterAsync(string tenant, string cluster, string action, bool dryRun, string actor, bool deleteUnmanaged = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's drift events numbered after <paramref name="afterSequence"/> (0: from the
    /// start of its log), in order, each once, then new ones as they happen. Reconnects and silo
    /// failures are retried from the last event yielded; keep the last sequence you processed and
    /// pass it again to resume after a restart. Events the filter rejects are skipped, not lost
    /// from the cursor.
    /// </summary>
    /// <exception cref="DriftEventsTrimmedException">Events after the cursor were already trimmed by the log's retention.</exception>
    /// <exception cref="DriftEventCursorOutOfRangeException">
    /// The cursor is below 0 (thrown by the call) or past the tenant's last event (thrown by the
    /// first step): it names no event of this log, and is not retried.
    /// </exception>
    IAsyncEnumerable<DriftEvent> WatchAsync(string tenant, long afterSequence = 0, DriftEventFilter? filter = null, CancellationToken cancellationToken = default);
}

/// <summary>The fleet: its tenants' summaries and their total.</summary>
public sealed record FleetSummary(DriftSummary Total, IReadOnlyList<TenantSummary> Tenants);

/// <summary>A cluster's roll-up, its services and its proxies.</summary>
public sealed record ClusterDetail(string Tenant, ClusterSummary Summary, IReadOnlyList<ServiceSummary> Services, IReadOnlyList<ProxyStatus> Proxies);

/// <summary>A proxy's state and current drifts (which are also its fronted services' drifts).</summary>
public sealed record ProxyDetail(string Tenant, string Cluster, ProxyStatus Status, IReadOnlyList<DriftRecord> Drifts);

/// <summary>A service's summary and current drifts.</summary>
public sealed record ServiceDrift(ServiceId Service, DriftSummary Summary, IReadOnlyList<DriftRecord> Drifts);

/// <summary>Which events a watcher wants; an empty or null part lets every value through.</summary>
/// <param name="Clusters">Only events of services in these clusters.</param>
/// <param name="MinSeverity">Only drifts at least this severe.</param>
/// <param name="Types">Only these transitions (opened, changed, resolved).</param>
public sealed record DriftEventFilter(IReadOnlyCollection<string>? Clusters = null, Severity? MinSeverity = null, IReadOnlyCollection<DriftEventType>? Types = null)
{
    public bool Matches(DriftEvent e) =>
        (Clusters is not { Count: > 0 } || Clusters.Contains(e.Service.Cluster))
        && (MinSeverity is not { } min || e.Drift.Severity >= min)
        && (Types is not { Count: > 0 } || Types.Contains(e.Type));
}

/// <summary>The fabric does not know a tenant, cluster, service or resource asked for.</summary>
public sealed class DriftFabricNotFoundException(string message) : Exception(message);
