using Orleans.Concurrency;
using Orleans.Runtime;

namespace DriftFabric.Abstractions;

/// <summary>Counts of state-changing calls a service grain has taken (none for an unchanged reload).</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ServiceUpdateCounts")]
public sealed record ServiceUpdateCounts([property: Id(0)] long DesiredUpdates, [property: Id(1)] long LiveUpdates);

/// <summary>
/// New state for a service; a null part is unchanged. Live objects replace the previous set
/// (snapshot semantics). <see cref="Definitions"/> travel with desired documents: the
/// CustomResourceDefinitions (compacted) of the custom kinds they declare, whose schemas give
/// those resources' server defaults.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ServiceUpdate")]
public sealed record ServiceUpdate(
    [property: Id(0)] IReadOnlyList<ResourceDocument>? Desired,
    [property: Id(1)] PolicySource? Policy,
    [property: Id(2)] IReadOnlyList<ResourceDocument>? Live,
    [property: Id(3)] IReadOnlyList<ResourceDocument>? Definitions = null)
{
    /// <summary>The revision <see cref="Desired"/> was read at (a Git commit SHA); null for a directory.</summary>
    [Id(4)]
    public string? Revision { get; init; }
}

/// <summary>A watched live object that changed (<see cref="Document"/> set) or was deleted (null).</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.LiveDocumentChange")]
public sealed record LiveDocumentChange([property: Id(0)] string Key, [property: Id(1)] ResourceDocument? Document);

/// <summary>A service's roll-up line in its cluster.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ServiceSummary")]
public sealed record ServiceSummary([property: Id(0)] ServiceId Service, [property: Id(1)] DriftSummary Summary);

/// <summary>A cluster's roll-up line in its tenant.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ClusterSummary")]
public sealed record ClusterSummary([property: Id(0)] string Cluster, [property: Id(1)] DriftSummary Summary, [property: Id(2)] SourceStatus Status)
{
    /// <summary>The revision of the desired state the services hold (a Git commit SHA); null for a directory.</summary>
    [Id(3), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? DesiredRevision { get; init; }
}

[GenerateSerializer, Immutable, Alias("driftfabric.TenantSummary")]
public sealed record TenantSummary([property: Id(0)] string Tenant, [property: Id(1)] DriftSummary Summary, [property: Id(2)] IReadOnlyList<ClusterSummary> Clusters, [property: Id(3)] long LastSequence);

/// <summary>One service: its desired documents, the live objects routed to it, its current drift set.</summary>
[Alias("driftfabric.IServiceGrain")]
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Replaces what changed (desired documents with their policy, live objects, or both) and
    /// recomputes the drift set once; returns the new summary, or null when the service does not
    /// hold the part the update leaves out (see <see cref="ApplyLive"/>): the caller sends both.
    /// </summary>
    [Alias("Update")]
    Task<DriftSummary?> Update(ServiceUpdate update);

    /// <summary>
    /// Applies watched changes in order (objects that appeared or changed, keys that were
    /// deleted), judging after each one so every intermediate state has its transitions.
    /// Returns null, judging nothing, when the service does not hold both its desired documents
    /// and its live objects (a service new to the code, or an activation whose stored state was
    /// lost with a silo): judged on changes alone, every object would read as unmanaged. The
    /// caller then sends it its whole state.
    /// </summary>
    [Alias("ApplyLive")]
    Task<DriftSummary?> ApplyLive(IReadOnlyList<LiveDocumentChange> changes);

    [Alias("GetDrifts")]
    Task<IReadOnlyList<DriftRecord>> GetDrifts();

    /// <summary>
    /// The drifts of one resource of the service (its key as drifts name it, e.g.
    /// <c>apps/Deployment/shop/web</c>): empty when it is in sync, null when the service neither
    /// declares it nor sees it live.
    /// </summary>
    [Alias("GetResourceDrifts")]
    Task<IReadOnlyList<DriftRecord>?> GetResourceDrifts(string resource);

    /// <summary>The most recent transitions, oldest first (bounded: the latest <c>ServiceHistory.Capacity</c>).</summary>
    [Alias("GetHistory")]
    Task<IReadOnlyList<DriftTransition>> GetHistory();

    [Alias("GetSummary")]
    Task<DriftSummary> GetSummary();

    [Alias("GetUpdateCounts")]
    Task<ServiceUpdateCounts> GetUpdateCounts();

    /// <summary>
    /// Replaces the drifts of a proxy that fronts this service (its resource, e.g.
    /// <c>caddy/Proxy/_/edge</c>); null drifts withdraw the proxy (it no longer fronts the service).
    /// </summary>
    [Alias("ApplyProxy")]
    Task<DriftSummary> ApplyProxy(string resource, IReadOnlyList<DriftRecord>? drifts);

    /// <summary>
    /// The drifted resources (or the one named, drifted or not) with their desired document, the
    /// live object as last seen, and their drifts: what a remediation works from.
    /// </summary>
    [Alias("GetRemediationInputs")]
    Task<IReadOnlyList<ResourceState>> GetRemediationInputs(string? resource);

    /// <summary>
    /// Records what was done about a resource's drifts (those acted on, as they were: the watch
    /// may already have seen them resolve): a <see cref="DriftEventType.Remediated"/> transition
    /// for each, logged and streamed.
    /// </summary>
    [Alias("RecordRemediation")]
    Task RecordRemediation(string resource, RemediationNote note, IReadOnlyList<DriftRecord> drifts);
}

/// <summary>A resource of a service as a remediation sees it: desired and live JSON (null where absent) and its drifts.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ResourceState")]
public sealed record ResourceState(
    [property: Id(0)] string Resource,
    [property: Id(1)] string? Desired,
    [property: Id(2)] string? Live,
    [property: Id(3)] IReadOnlyList<DriftRecord> Drifts)
{
    /// <summary>The file of the IaC repo that declares the resource (null: not declared).</summary>
    [Id(4)]
    public string? DesiredFile { get; init; }
}

/// <summary>
/// Put a service's drift right (<c>revert</c>: live back to the code), for one resource or all of
/// the service's drifted ones; a dry run changes nothing and only shows what would change.
/// <paramref name="Actor"/> says who asked (<c>api</c>, <c>cli</c>, <c>policy</c>) for the record.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.RemediationRequest")]
public sealed record RemediationRequest(
    [property: Id(0)] ServiceId Service,
    [property: Id(1)] string? Resource,
    [property: Id(2)] string Action,
    [property: Id(3)] bool DryRun,
    [property: Id(4)] string Actor)
{
    public const string Revert = "revert";
    public const string Adopt = "adopt";

    /// <summary>Delete the service's objects that the code does not declare (<c>Unmanaged</c>): never unless asked.</summary>
    [Id(5)]
    public bool DeleteUnmanaged { get; init; }
}

/// <summary>What a remediation did (or would do) to one resource.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.RemediationResult")]
public sealed record RemediationResult(
    [property: Id(0)] string Resource,
    [property: Id(1), System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RemediationOutcome>))] RemediationOutcome Outcome,
    [property: Id(2)] string Message,
    [property: Id(3)] IReadOnlyList<FieldChange> Changes);

[GenerateSerializer, Immutable, Alias("driftfabric.RemediationReport")]
public sealed record RemediationReport(
    [property: Id(0)] ServiceId Service,
    [property: Id(1)] string Action,
    [property: Id(2)] bool DryRun,
    [property: Id(3)] IReadOnlyList<RemediationResult> Results)
{
    /// <summary>An adoption's change to the code as a unified diff, for review.</summary>
    [Id(4)]
    public string? Patch { get; init; }

    /// <summary>The branch an adoption committed to (a git checkout, not a dry run), based on HEAD; the working tree is not touched.</summary>
    [Id(5)]
    public string? Branch { get; init; }
}

/// <summary>One cluster: reads its desired and live sources, routes each service its own objects, rolls services up.</summary>
[Alias("driftfabric.IClusterGrain")]
public interface IClusterGrain : IGrainWithStringKey
{
    /// <summary>Applies the configuration and loads both sources once; later changes on disk are picked up by polling.</summary>
    [Alias("Configure")]
    Task<ClusterSummary> Configure(ClusterConfig config);

    /// <summary>
    /// The watchdog's call: configures the cluster unless this activation already watches it with
    /// this configuration. After a silo's death it brings the cluster back, re-listing its live state.
    /// </summary>
    [Alias("EnsureWatching")]
    Task<ClusterSummary> EnsureWatching(ClusterConfig config);

    /// <summary>Reads both sources now and sends each changed service its new state.</summary>
    [Alias("Reload")]
    Task<ClusterSummary> Reload();

    /// <summary>
    /// Changes seen by the cluster's watch: each is routed to the service it belongs to. Calls
    /// interleave, so that one slow service never holds up the changes of the others; each watch
    /// still sends its changes one at a time, so one object's changes stay in order.
    /// </summary>
    [AlwaysInterleave]
    [Alias("ObserveLive")]
    Task ObserveLive(IReadOnlyList<LiveDocumentChange> changes);

    /// <summary>The watch lost (an error) or regained (null) its API server.</summary>
    [Alias("ReportLiveHealth")]
    Task ReportLiveHealth(string? problem);

    /// <summary>
    /// A full resync: reads both sources afresh (a re-list for a watched cluster) and has every
    /// service judge its whole state again, whether or not anything changed.
    /// </summary>
    [Alias("Resync")]
    Task<ClusterSummary> Resync();

    [Alias("GetSummary")]
    Task<ClusterSummary> GetSummary();

    [Alias("GetServices")]
    Task<IReadOnlyList<ServiceSummary>> GetServices();

    /// <summary>
    /// A proxy's news: its drifts go to the services it fronts (and are withdrawn from those it no
    /// longer fronts), its status into the cluster's; the roll-up goes to the tenant.
    /// </summary>
    [Alias("ObserveProxy")]
    Task ObserveProxy(ProxyReport report);

    /// <summary>The proxy is no longer declared: its drifts are withdrawn from its services.</summary>
    [Alias("ForgetProxy")]
    Task ForgetProxy(string proxy);

    /// <summary>The configuration the cluster runs with (null: not configured), for its remediations.</summary>
    [Alias("GetConfig"), AlwaysInterleave]
    Task<ClusterConfig?> GetConfig();

    /// <summary>
    /// Asks the desired source to look for a change now (a push webhook said there is one): a Git
    /// source fetches at once, and a new commit is read at the next poll. False when the cluster
    /// has no sources yet.
    /// </summary>
    [Alias("RefreshDesired")]
    Task<bool> RefreshDesired();

    /// <summary>Where the cluster's watch reads a resource's kind in its namespace (null: not watched, or no watch connected): where a revert writes.</summary>
    [Alias("GetWatchedTarget"), AlwaysInterleave]
    Task<WatchedTarget?> GetWatchedTarget(string resource);

    /// <summary>The cluster's proxies, as they last reported.</summary>
    [Alias("GetProxies"), AlwaysInterleave]
    Task<IReadOnlyList<ProxyStatus>> GetProxies();

    /// <summary>The silo this cluster's watch runs on (its Orleans silo address): where to look when a watch misbehaves.</summary>
    [Alias("GetSilo"), AlwaysInterleave]
    Task<string> GetSilo();
}

/// <summary>A kind the cluster's watch serves, in one namespace (none: cluster-scoped): its API version and plural, for a revert's requests.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.WatchedTarget")]
public sealed record WatchedTarget(
    [property: Id(0)] string Group,
    [property: Id(1)] string Version,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Plural,
    [property: Id(4)] bool Namespaced,
    [property: Id(5)] string? Namespace);

/// <summary>
/// One cluster's remediations (key: the cluster's key, <c>tenant/cluster</c>), run one at a time:
/// reverts on the cluster's API server or a proxy, adoption into the code. Each real action is
/// recorded on the service's history and the tenant's log.
/// </summary>
[Alias("driftfabric.IRemediationGrain")]
public interface IRemediationGrain : IGrainWithStringKey
{
    /// <summary>Reverts or adopts a service's drifted resources (or one), dry run first.</summary>
    [Alias("Remediate")]
    Task<RemediationReport> Remediate(RemediationRequest request);

    /// <summary>
    /// <see cref="Remediate"/> without waiting for it: a service's self-healing policy asks, and
    /// its failure is recorded as an event like its success would be.
    /// </summary>
    [Alias("RemediateInBackground"), OneWay]
    Task RemediateInBackground(RemediationRequest request);
}

/// <summary>One tenant: its clusters' roll-ups, and the numbering, logging and publishing of its drift events.</summary>
[Alias("driftfabric.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Logs one service's transitions, numbered by the service from <paramref name="firstServiceSequence"/>,
    /// and completes once they are in the tenant's log. Transitions the log already holds (a
    /// service re-sending after a failure) are not logged twice.
    /// </summary>
    [Alias("Publish"), AlwaysInterleave]
    Task Publish(ServiceId service, long firstServiceSequence, IReadOnlyList<DriftTransition> transitions);

    /// <summary>
    /// Up to <paramref name="max"/> events after <paramref name="afterSequence"/>; when there are
    /// none yet, waits up to <paramref name="wait"/> for the next one, or until the caller gives up
    /// (<paramref name="cancellationToken"/>: a reader that stops does not hold the tenant busy).
    /// </summary>
    [Alias("ReadEvents"), AlwaysInterleave]
    Task<EventPage> ReadEvents(long afterSequence, int max, TimeSpan wait, CancellationToken cancellationToken = default);

    [Alias("ReportCluster")]
    Task ReportCluster(ClusterSummary cluster);

    /// <summary>Forgets clusters that the fleet spec no longer declares.</summary>
    [Alias("RetainClusters")]
    Task RetainClusters(IReadOnlyList<string> clusters);

    /// <summary>How many events the tenant's log keeps, and for how long.</summary>
    [Alias("SetRetention")]
    Task SetRetention(int maxLength, TimeSpan maxAge);

    [Alias("GetSummary")]
    Task<TenantSummary> GetSummary();

    /// <summary>The silo this tenant's log writer runs on (its Orleans silo address).</summary>
    [Alias("GetSilo"), AlwaysInterleave]
    Task<string> GetSilo();
}

/// <summary>The fleet: which tenants the loaded fleet spec declares (key <see cref="FabricDefaults.FleetKey"/>).</summary>
[Alias("driftfabric.IFleetGrain")]
public interface IFleetGrain : IGrainWithStringKey
{
    /// <summary>Replaces the tenant list with the one of the fleet spec just loaded.</summary>
    [Alias("SetTenants")]
    Task SetTenants(IReadOnlyList<string> tenants);

    /// <summary>The tenants, in the order the fleet spec declares them.</summary>
    [Alias("GetTenants")]
    Task<IReadOnlyList<string>> GetTenants();

    /// <summary>Replaces the list of webhooks (<c>tenant/name</c>) the spec declares; returns those it no longer declares.</summary>
    [Alias("ReplaceWebhooks")]
    Task<IReadOnlyList<string>> ReplaceWebhooks(IReadOnlyList<string> webhooks);

    /// <summary>Replaces the list of proxies (<c>tenant/cluster/proxy</c>) the spec declares; returns those it no longer declares.</summary>
    [Alias("ReplaceProxies")]
    Task<IReadOnlyList<string>> ReplaceProxies(IReadOnlyList<string> proxies);
}
