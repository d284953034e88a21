using Orleans.Concurrency;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Abstractions;

/// <summary>A proxy as the fleet spec declares it: <c>tenant/cluster/proxy</c> is the key of its grain.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ProxyConfig")]
public sealed record ProxyConfig(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Cluster,
    [property: Id(2)] string Name,
    [property: Id(3)] string Kind,
    [property: Id(4)] string Admin,
    [property: Id(5)] string DesiredPath,
    [property: Id(6)] TimeSpan PollInterval,
    [property: Id(7)] TimeSpan Timeout,
    [property: Id(8)] IReadOnlyList<ServiceId> Services)
{
    public string Key => ProxyKeys.Of(Tenant, Cluster, Name);

    /// <summary>The fleet spec's policy: its ignore rules and severity overrides that select the proxy apply to its drifts.</summary>
    [Id(9)]
    public PolicySource Policy { get; init; } = PolicySource.Default;

    /// <summary>Equal when everything is, the services compared one by one and the policy by its hash.</summary>
    public bool Equals(ProxyConfig? other) =>
        other is not null && Tenant == other.Tenant && Cluster == other.Cluster && Name == other.Name && Kind == other.Kind && Admin == other.Admin
        && DesiredPath == other.DesiredPath && PollInterval == other.PollInterval && Timeout == other.Timeout && Services.SequenceEqual(other.Services)
        && Policy.Hash == other.Policy.Hash;

    public override int GetHashCode() => HashCode.Combine(Tenant, Cluster, Name, Kind, Admin, DesiredPath, PollInterval, Services.Count);
}

public static class ProxyKeys
{
    public static string Of(string tenant, string cluster, string proxy) => $"{tenant}/{cluster}/{proxy}";
}

[GenerateSerializer, Alias("driftfabric.ProxyState")]
public enum ProxyState
{
    /// <summary>Not read yet.</summary>
    Pending,

    /// <summary>Read and judged: its drifts are current.</summary>
    Ok,

    /// <summary>No answer (refused, timed out, an HTTP error): its drifts stand as last judged.</summary>
    Unreachable,

    /// <summary>An answer, or a declared config, that is not a config of its kind: its drifts stand as last judged.</summary>
    Invalid,
}

/// <summary>What a proxy last did: its state, why when it is not <see cref="ProxyState.Ok"/>, since when, and its drift.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ProxyStatus")]
public sealed record ProxyStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Admin,
    [property: Id(3)] ProxyState State,
    [property: Id(4)] string? Error,
    [property: Id(5)] DateTimeOffset? Since,
    [property: Id(6)] DateTimeOffset? CheckedAt,
    [property: Id(7)] string Resource,
    [property: Id(8)] IReadOnlyList<ServiceId> Services,
    [property: Id(9)] int Drifts,
    [property: Id(10)] Severity? Worst)
{
    /// <summary>Equal when everything is, the services compared one by one.</summary>
    public bool Equals(ProxyStatus? other) =>
        other is not null && Name == other.Name && Kind == other.Kind && Admin == other.Admin && State == other.State && Error == other.Error
        && Since == other.Since && CheckedAt == other.CheckedAt && Resource == other.Resource && Drifts == other.Drifts && Worst == other.Worst
        && Services.SequenceEqual(other.Services);

    public override int GetHashCode() => HashCode.Combine(Name, State, Error, Since, CheckedAt, Drifts, Worst);

    /// <summary>Equal but for when it was last read: no news for the cluster.</summary>
    public bool SameAs(ProxyStatus other) => Equals(other with { CheckedAt = CheckedAt });
}

/// <summary>
/// A proxy's news for its cluster: its status, and, when they were judged anew, its drifts for
/// the services it fronts (null: as before, e.g. while it is unreachable).
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ProxyReport")]
public sealed record ProxyReport(
    [property: Id(0)] ProxyStatus Status,
    [property: Id(1)] IReadOnlyList<DriftRecord>? Drifts);

/// <summary>
/// One proxy (key <c>tenant/cluster/proxy</c>): reads its declared config and, every poll
/// interval, what it runs; judges the difference by its kind's rules; and reports the drift to
/// its cluster, which hands it to the services the proxy fronts.
/// </summary>
[Alias("driftfabric.IProxyGrain")]
public interface IProxyGrain : IGrainWithStringKey
{
    /// <summary>Applies the configuration and reads the proxy once; returns its status after that read.</summary>
    [Alias("Configure")]
    Task<ProxyStatus> Configure(ProxyConfig config);

    /// <summary>The watchdog's call: configures the proxy unless this activation already polls it with this configuration.</summary>
    [Alias("Ensure")]
    Task<ProxyStatus> Ensure(ProxyConfig config);

    /// <summary>Reads and judges the proxy now.</summary>
    [Alias("Check")]
    Task<ProxyStatus> Check();

    /// <summary>The fleet spec no longer declares the proxy: its drift is withdrawn from its services and it stops polling.</summary>
    [Alias("Retire")]
    Task Retire();

    /// <summary>
    /// Puts the running proxy back as its declared config says (Caddy: the config loaded through
    /// the admin API; HAProxy: servers' state, weight and address through the runtime API), after
    /// judging it again: a drift that changed since it was reported is not overwritten. A dry run
    /// only says what would change.
    /// </summary>
    [Alias("Revert")]
    Task<RemediationResult> Revert(bool dryRun);

    [Alias("GetStatus"), AlwaysInterleave]
    Task<ProxyStatus> GetStatus();

    [Alias("GetDrifts"), AlwaysInterleave]
    Task<IReadOnlyList<DriftRecord>> GetDrifts();
}
