using DriftFabric.Engine.Comparison;
namespace DriftFabric.Abstractions;

/// <summary>
/// One webhook of one tenant, as the fleet spec declares it. The signing key is not here: only the
/// name of the environment variable that holds it on every silo.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.WebhookConfig")]
public sealed record WebhookConfig(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Name,
    [property: Id(2)] string Url,
    [property: Id(3)] string Format,
    [property: Id(4)] string SecretEnv,
    [property: Id(5)] Severity MinSeverity,
    [property: Id(6)] IReadOnlyList<DriftKind> Kinds,
    [property: Id(7)] IReadOnlyList<DriftEventType> Events,
    [property: Id(8)] bool SkippedReview,
    [property: Id(9)] PolicySource Policy)
{
    public string Key => $"{Tenant}/{Name}";

    /// <summary>Equal when everything is, the lists compared item by item.</summary>
    public bool Equals(WebhookConfig? other) =>
        other is not null && Tenant == other.Tenant && Name == other.Name && Url == other.Url && Format == other.Format
        && SecretEnv == other.SecretEnv && MinSeverity == other.MinSeverity && Kinds.SequenceEqual(other.Kinds)
        && Events.SequenceEqual(other.Events) && SkippedReview == other.SkippedReview && Policy == other.Policy;

    public override int GetHashCode() => HashCode.Combine(Tenant, Name, Url, Format, MinSeverity, SkippedReview);
}

/// <summary>Where a webhook is in its tenant's log, and how its deliveries went.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.WebhookStatus")]
public sealed record WebhookStatus(
    [property: Id(0)] long Cursor,
    [property: Id(1)] long Delivered,
    [property: Id(2)] long Failed,
    [property: Id(3)] string? LastError)
{
    /// <summary>When the next attempt is due after a failed one (the backoff: 1 s, doubling), on the silo's clock; null when none waits.</summary>
    [Id(4)]
    public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>
/// One webhook of one tenant (key <c>tenant/name</c>): follows the tenant's event log from its own
/// cursor and posts each event that passes its filter, apart from detection, which never waits on it.
/// </summary>
[Alias("driftfabric.IWebhookGrain")]
public interface IWebhookGrain : IGrainWithStringKey
{
    /// <summary>Applies the configuration (a new webhook starts at the tenant's newest event) and keeps the delivery running.</summary>
    [Alias("Ensure")]
    Task Ensure(WebhookConfig config);

    /// <summary>Stops delivering: the fleet spec no longer declares this webhook.</summary>
    [Alias("Retire")]
    Task Retire();

    [Alias("GetStatus")]
    Task<WebhookStatus> GetStatus();
}
