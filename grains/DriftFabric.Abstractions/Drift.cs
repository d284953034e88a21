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
/// action (<c>revert</c>, <c>adopt</c>), its outcome (written in lower case: <c>reverted</c>,
/// <c>contested</c>...), a sentence, and the fields it changed.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.RemediationNote")]
public sealed record RemediationNote
{
    public RemediationNote(string actor, string action, RemediationOutcome outcome, string message, IReadOnlyList<FieldChange> changes)
    {
        Actor = actor;
        Action = action;
        StoredOutcome = outcome.ToWire();
        Message = message;
        Changes = changes;
    }

    [Id(0)]
    public string Actor { get; init; }

    [Id(1)]
    public string Action { get; init; }

    [JsonConverter(typeof(LowerCaseOutcomeConverter))]
    public RemediationOutcome Outcome => RemediationOutcomes.FromWire(StoredOutcome);

    [Id(3)]
    public string Message { get; init; }

    [Id(4)]
    public IReadOnlyList<FieldChange> Changes { get; init; }

    /// <summary>
    /// The outcome as grain state stores it: its lower-case wire form, as every build has stored
    /// it (services keep these notes in their history), so a history stored before the outcome
    /// was typed reads back unchanged.
    /// </summary>
    [Id(2), JsonIgnore]
    internal string StoredOutcome { get; init; }
}

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
    /// <summary>
    /// The revision of the desired state the drift was last judged against (a Git commit SHA);
    /// null for a directory. A new revision alone is no <c>changed</c> event: the drift is the same.
    /// </summary>
    [Id(10), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Revision { get; init; }

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

/// <summary>
/// What a remediation did (or would do) to one resource. A report shows the name
/// (<c>Reverted</c>); the record of a drift event shows it in lower case (<c>reverted</c>).
/// </summary>
public enum RemediationOutcome
{
    /// <summary>Dry run: what it would change (nothing was written).</summary>
    WouldChange,

    /// <summary>Applied: live matches the code again in the drifted fields.</summary>
    Reverted,

    /// <summary>Live written back into the code (a branch for review, or a patch).</summary>
    Adopted,

    /// <summary>Nothing to change: live already matches the code.</summary>
    InSync,

    /// <summary>The object changed after the drift was detected: nothing written, the drift is judged again first.</summary>
    ChangedSinceDetection,

    /// <summary>Another writer owns what differs (or keeps undoing a revert): nothing written.</summary>
    Contested,

    /// <summary>Not done on purpose (a Secret, whose values DriftFabric never holds; an unmanaged object not asked to be deleted; nothing to write to).</summary>
    Skipped,

    /// <summary>The target refused or could not be reached.</summary>
    Failed,
}

/// <summary>The lower-case form of <see cref="RemediationOutcome"/> in drift events, webhooks and the history.</summary>
public static class RemediationOutcomes
{
    /// <summary>Whether the remediation left the drift in place (a report with one of these exits 2 in the CLI).</summary>
    public static bool LeftUndone(this RemediationOutcome outcome) =>
        outcome is RemediationOutcome.ChangedSinceDetection or RemediationOutcome.Contested or RemediationOutcome.Skipped or RemediationOutcome.Failed;

    public static string ToWire(this RemediationOutcome outcome) => outcome switch
    {
        RemediationOutcome.WouldChange => "wouldchange",
        RemediationOutcome.Reverted => "reverted",
        RemediationOutcome.Adopted => "adopted",
        RemediationOutcome.InSync => "insync",
        RemediationOutcome.ChangedSinceDetection => "changedsincedetection",
        RemediationOutcome.Contested => "contested",
        RemediationOutcome.Skipped => "skipped",
        RemediationOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static RemediationOutcome FromWire(string text) =>
        Enum.TryParse<RemediationOutcome>(text, ignoreCase: true, out var outcome) && Enum.IsDefined(outcome)
            ? outcome
            : throw new FormatException($"unknown remediation outcome \"{text}\"");
}

/// <summary>Writes and reads a <see cref="RemediationOutcome"/> in its lower-case wire form.</summary>
public sealed class LowerCaseOutcomeConverter : JsonConverter<RemediationOutcome>
{
    public override RemediationOutcome Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        RemediationOutcomes.FromWire(reader.GetString() ?? throw new System.Text.Json.JsonException("a remediation outcome is a string"));

    public override void Write(System.Text.Json.Utf8JsonWriter writer, RemediationOutcome value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToWire());
}
