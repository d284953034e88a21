using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Events;

/// <summary>
/// Transitions of one service, numbered by the service itself (<paramref name="FirstServiceSequence"/>
/// for the first, one more for each next). The numbers make an append idempotent: a service that
/// re-sends what may already be in the log (after its silo died mid-call) is not logged twice.
/// </summary>
public sealed record EventBatch(ServiceId Service, long FirstServiceSequence, IReadOnlyList<DriftTransition> Transitions);

/// <summary>How much of a tenant's log is kept: the newest <see cref="MaxLength"/> events, none older than <see cref="MaxAge"/>.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.EventRetention")]
public sealed record EventRetention([property: Id(0)] int MaxLength, [property: Id(1)] TimeSpan MaxAge)
{
    public static readonly EventRetention Default = new(100_000, TimeSpan.FromDays(7));
}

/// <summary>A tenant's drift events, numbered 1, 2, 3... in the order they were appended.</summary>
public interface IDriftEventLog
{
    /// <summary>True when the log outlives the silo (Redis); false for the embedded one in memory.</summary>
    bool IsDurable { get; }

    /// <summary>
    /// Appends the batches in order, skipping transitions the log already holds from the same
    /// service (by service sequence), and returns the events it appended, numbered.
    /// </summary>
    Task<IReadOnlyList<DriftEvent>> AppendAsync(string tenant, IReadOnlyList<EventBatch> batches, EventRetention retention, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> events numbered after <paramref name="afterSequence"/>, in order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSequence"/> is below 0.</exception>
    Task<EventPage> ReadAsync(string tenant, long afterSequence, int max, CancellationToken cancellationToken = default);

    /// <summary>Drops events older than the retention's age (length is kept on every append).</summary>
    Task TrimAsync(string tenant, EventRetention retention, DateTimeOffset now, CancellationToken cancellationToken = default);
}
