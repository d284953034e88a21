using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.ClusterState")]
public sealed class ClusterState
{
    [Id(0)]
    public ClusterConfig? Config { get; set; }

    [Id(4)]
    public SourceStatus Status { get; set; } = new(SourceState.Pending, null, [], null);

    [Id(5)]
    public string? Fingerprint { get; set; }

    /// <summary>The cluster's proxies as they last reported (by name): the services they front, and their state.</summary>
    [Id(6)]
    public Dictionary<string, ProxyStatus> Proxies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The proxies whose drifts (their resource) the services they front hold: those judged at least once.</summary>
    [Id(7)]
    public HashSet<string> ProxiesHeld { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The services the cluster rolls up (their keys): what a new activation asks for their
    /// summaries when its sources cannot be read (a broken snapshot, an API server down), so a
    /// degraded cluster keeps its roll-up through the death of its silo.
    /// </summary>
    [Id(8)]
    public HashSet<string> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The revision of the desired state last read well (a Git commit SHA): what the services judge against.</summary>
    [Id(9)]
    public string? DesiredRevision { get; set; }
}

/// <summary>
/// What a cluster knows while it is active: per service the hashes of what it was last sent and
/// its summary. Not stored: a large cluster's tables would stall its watch every time they were
/// written, and an activation rebuilds them by loading its sources once (services that are sent
/// what they already hold change nothing).
/// </summary>
internal sealed class ClusterTables
{
    public Dictionary<string, UInt128> DesiredHashes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, UInt128> LiveHashes { get; } = new(StringComparer.Ordinal);

    public ClusterRollUp RollUp { get; } = new();

    /// <summary>True when both configurations read the same sources and judge them the same way: else every service is judged again.</summary>
    public static bool SameJudgement(ClusterConfig a, ClusterConfig b) =>
        ClusterSourceSet.SameSources(a, b) && a.DefaultNamespace == b.DefaultNamespace
        && a.Policy.Hash == b.Policy.Hash && a.ServiceLabels.SequenceEqual(b.ServiceLabels);

    /// <summary>Forgets what <paramref name="service"/> (every service: null) was sent, so that it is sent both parts again.</summary>
    public void ForgetSent(string? service = null)
    {
        if (service is null)
        {
            DesiredHashes.Clear();
            LiveHashes.Clear();
        }
        else
        {
            DesiredHashes.Remove(service);
            LiveHashes.Remove(service);
        }
    }

    /// <summary>
    /// What <paramref name="service"/> must be sent after <paramref name="load"/>: each part
    /// (desired with its definitions and policy, live) only when its hash differs from what the
    /// service was last sent (the new hash is taken as sent); null when neither changed.
    /// </summary>
    public ServiceUpdate? ChangesFor(ClusterConfig config, ClusterLoad load, string service)
    {
        IReadOnlyList<ResourceDocument>? desired = null;
        IReadOnlyList<ResourceDocument>? live = null;
        IReadOnlyList<ResourceDocument>? definitions = null;
        if (load.DesiredUsable)
        {
            var docs = load.Desired.GetValueOrDefault(service) ?? [];
            var kinds = ClusterSources.DefinitionsFor(load, docs);
            // A new revision is sent to every service, so that each drift names the commit it was judged against.
            var hash = ClusterSources.Hash([.. docs, .. kinds], config.Policy.Hash + "|" + load.DesiredRevision);
            if (!DesiredHashes.TryGetValue(service, out var sent) || sent != hash)
            {
                desired = docs;
                definitions = kinds;
                DesiredHashes[service] = hash;
            }
        }

        // Live objects are routed to services by the code read with them: with code that could not
        // be read (a kustomization that fails to render declares nothing) every object would be
        // routed as unmanaged, so the services keep the live state they judged last.
        if (load.LiveUsable && load.DesiredUsable)
        {
            var docs = load.Live.GetValueOrDefault(service) ?? [];
            var hash = ClusterSources.Hash(docs);
            if (!LiveHashes.TryGetValue(service, out var sent) || sent != hash)
            {
                live = docs;
                LiveHashes[service] = hash;
            }
        }

        return desired is null && live is null ? null : new ServiceUpdate(desired, desired is null ? null : config.Policy, live, definitions) { Revision = load.DesiredRevision };
    }
}
