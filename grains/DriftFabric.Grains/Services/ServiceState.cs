using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Services;

[GenerateSerializer, Alias("driftfabric.ServiceState")]
public sealed class ServiceState
{
    /// <summary>Desired documents, compressed (see <see cref="StoredDocument"/>).</summary>
    [Id(11)]
    public List<StoredDocument> Desired { get; set; } = [];

    /// <summary>Live documents, compressed, ordered by key.</summary>
    [Id(12)]
    public List<StoredDocument> Live { get; set; } = [];

    [Id(2)]
    public PolicySource Policy { get; set; } = PolicySource.Default;

    [Id(3)]
    public Dictionary<string, DriftRecord> Drifts { get; set; } = new(StringComparer.Ordinal);

    [Id(4)]
    public DriftSummary Summary { get; set; } = DriftSummary.Empty;

    /// <summary>The revision of <see cref="Desired"/> (a Git commit SHA); null for a directory.</summary>
    [Id(17)]
    public string? DesiredRevision { get; set; }

    [Id(5)]
    public long DesiredUpdates { get; set; }

    [Id(6)]
    public long LiveUpdates { get; set; }

    [Id(7)]
    public List<DriftTransition> History { get; set; } = [];

    /// <summary>The number the service gave its last transition (its own sequence, for idempotent logging).</summary>
    [Id(8)]
    public long EventSequence { get; set; }

    /// <summary>
    /// The latest transitions, stored but not yet confirmed in the tenant's log (so the last of
    /// them is numbered <see cref="EventSequence"/>). Stored before they are sent, so a silo's
    /// death loses none; the log skips any it already holds.
    /// </summary>
    [Id(9)]
    public List<DriftTransition> Outbox { get; set; } = [];

    /// <summary>The resources of the proxies that front this service (<c>caddy/Proxy/_/edge</c>): their drifts are the service's too.</summary>
    [Id(13)]
    public List<string> Proxies { get; set; } = [];

    /// <summary>When a self-healing policy last reverted each resource (within its window).</summary>
    [Id(14)]
    public Dictionary<string, List<DateTimeOffset>> Reverts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Resources reverted too often by policy: another writer keeps changing them; left alone until their code changes.</summary>
    [Id(15)]
    public HashSet<string> Contested { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The CustomResourceDefinitions (compacted) of the custom kinds the desired documents declare: their defaults.</summary>
    [Id(16)]
    public List<StoredDocument> Definitions { get; set; } = [];

    /// <summary>The number of the outbox's first transition.</summary>
    public long OutboxFirst => EventSequence - Outbox.Count + 1;
}

public static class ServiceHistory
{
    /// <summary>How many transitions a service remembers; older ones fall off.</summary>
    public const int Capacity = 200;
}
