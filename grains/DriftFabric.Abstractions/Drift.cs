using System.Text.Json.Serialization;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Abstractions;

[GenerateSerializer, Alias("driftfabric.DriftEventType")]
public enum DriftEventType
{
    Opened,
    Changed,
    Resolved,

    /// <summary>Something was done about the drift (a revert, an adoption): see <see cref="DriftEvent.Remediation"/>.</summary>
    Remediated,
}

/// <summary>One field a remediation changed (or would): JSON values, null where absent.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.FieldChange")]
public sealed record FieldChange(
    [property: Id(0)] string Path,
    [property: Id(1), JsonConverter(typeof(JsonTextConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From,
    [property: Id(2), JsonConverter(typeof(JsonTextConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? To);

/// <summary>
/// What was done about a drift: who or what acted (<c>api</c>, <c>cli</c>, <c>policy</c>), the
/// action (<c>revert</c>, <c>adopt</c>), its outcome (<c>reverted</c>, <c>contested</c>...), a
/// sentence, and the fields it changed.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.RemediationNote")]
public sealed record RemediationNote(
    [property: Id(0)] string Actor,
    [property: Id(1)] string Action,
    [property: Id(2)] string Outcome,
    [property: Id(3)] string Message,
    [property: Id(4)] IReadOnlyList<FieldChange> Changes);

/// <summary>
/// One current drift as the fabric keeps and streams it. Values are JSON text, already
/// normalized by the engine (Secret values only as <c>hmac:</c> digests under the installation key).
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.DriftRecord")]
public sealed record DriftRecord(
    [property: Id(0)] string Resource,
    [property: Id(1)] string Path,
    [property: Id(2), JsonConverter(typeof(JsonStringEnumConverter<DriftKind>))] DriftKind Kind,
    [property: Id(3)] Severity Severity,
    [property: Id(4), JsonConverter(typeof(JsonTextConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Desired,
    [property: Id(5), JsonConverter(typeof(JsonTextConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Live,
    [property: Id(6)] string? Manager,
    [property: Id(7)] DateTimeOffset? ChangedAt,
    [property: Id(8)] DateTimeOffset OnsetAt,
    [property: Id(9), JsonConverter(typeof(SourceJsonConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source)
{
    /// <summary>Identity across detections: the same field drifting the same way.</summary>
    public string Id => $"{Resource}|{Path}|{Kind}";

    /// <summary>True when everything but the onset time is the same (no <c>changed</c> event).</summary>
    public bool SameAs(DriftRecord other) =>
        Id == other.Id && Severity == other.Severity && Desired == other.Desired && Live == other.Live
        && Manager == other.Manager && ChangedAt == other.ChangedAt && Source == other.Source;
}

/// <summary>A transition of one drift, in a tenant's event stream, numbered per tenant.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.DriftEvent")]
public sealed record DriftEvent(
    [property: Id(0)] string Tenant,
    [property: Id(1)] long Sequence,
    [property: Id(2)] DriftEventType Type,
    [property: Id(3)] ServiceId Service,
    [property: Id(4)] DriftRecord Drift,
    [property: Id(5)] DateTimeOffset At)
{
    /// <summary>For <see cref="DriftEventType.Remediated"/>: what was done.</summary>
    [Id(6)]
    public RemediationNote? Remediation { get; init; }
}

/// <summary>A transition before the tenant numbers it.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.DriftTransition")]
public sealed record DriftTransition(
    [property: Id(0)] DriftEventType Type,
    [property: Id(1)] DriftRecord Drift,
    [property: Id(2)] DateTimeOffset At)
{
    /// <summary>For <see cref="DriftEventType.Remediated"/>: what was done.</summary>
    [Id(3)]
    public RemediationNote? Remediation { get; init; }
}

/// <summary>Counts that roll up from services to clusters to tenants.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.DriftSummary")]
public sealed record DriftSummary(
    [property: Id(0)] int Resources,
    [property: Id(1)] int DriftedResources,
    [property: Id(2)] int Critical,
    [property: Id(3)] int High,
    [property: Id(4)] int Medium,
    [property: Id(5)] int Low,
    [property: Id(6)] int Services,
    [property: Id(7)] int DriftedServices)
{
    public static readonly DriftSummary Empty = new(0, 0, 0, 0, 0, 0, 0, 0);

    public int Drifts => Critical + High + Medium + Low;

    public Severity? Worst => Critical > 0 ? Severity.Critical : High > 0 ? Severity.High : Medium > 0 ? Severity.Medium : Low > 0 ? Severity.Low : null;

    public static DriftSummary operator +(DriftSummary a, DriftSummary b) => new(
        a.Resources + b.Resources, a.DriftedResources + b.DriftedResources, a.Critical + b.Critical, a.High + b.High,
        a.Medium + b.Medium, a.Low + b.Low, a.Services + b.Services, a.DriftedServices + b.DriftedServices);

    public static DriftSummary operator -(DriftSummary a, DriftSummary b) => new(
        a.Resources - b.Resources, a.DriftedResources - b.DriftedResources, a.Critical - b.Critical, a.High - b.High,
        a.Medium - b.Medium, a.Low - b.Low, a.Services - b.Services, a.DriftedServices - b.DriftedServices);

    public static DriftSummary Add(DriftSummary left, DriftSummary right) => left + right;

    public static DriftSummary Subtract(DriftSummary left, DriftSummary right) => left - right;
}

/// <summary>
/// A page of a tenant's event log: events in order, the oldest sequence the log still holds
/// (events before it were trimmed by retention) and the newest it has appended.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.EventPage")]
public sealed record EventPage(
    [property: Id(0)] IReadOnlyList<DriftEvent> Events,
    [property: Id(1)] long FirstAvailable,
    [property: Id(2)] long Last);
