using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Concurrency;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Abstractions;

/// <summary>
/// A proxy as the fleet spec declares it: <c>tenant/cluster/proxy</c> is the key of its grain.
/// Its kind is stored as its name (<see cref="StoredKind"/>), as builds before the typed kind stored it.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ProxyConfig")]
public sealed record ProxyConfig
{
    public ProxyConfig(
        string tenant, string cluster, string name, ProxyKind kind, string admin, string desiredPath, TimeSpan pollInterval, TimeSpan timeout, IReadOnlyList<ServiceId> services)
    {
        Tenant = tenant;
        Cluster = cluster;
        Name = name;
        StoredKind = kind.ToText();
        Admin = admin;
        DesiredPath = desiredPath;
        PollInterval = pollInterval;
        Timeout = timeout;
        Services = services;
    }

    [Id(0)]
    public string Tenant { get; init; }

    [Id(1)]
    public string Cluster { get; init; }

    [Id(2)]
    public string Name { get; init; }

    [JsonConverter(typeof(ProxyKindJsonConverter))]
    public ProxyKind Kind
    {
        get => ProxyKinds.Parse(StoredKind);
        init => StoredKind = value.ToText();
    }

    [Id(4)]
    public string Admin { get; init; }

    [Id(5)]
    public string DesiredPath { get; init; }

    [Id(6)]
    public TimeSpan PollInterval { get; init; }

    [Id(7)]
    public TimeSpan Timeout { get; init; }

    [Id(8)]
    public IReadOnlyList<ServiceId> Services { get; init; }

    public string Key => ProxyKeys.Of(Tenant, Cluster, Name);

    /// <summary>The fleet spec's policy: its ignore rules and severity overrides that select the proxy apply to its drifts.</summary>
    [Id(9)]
    public PolicySource Policy { get; init; } = PolicySource.Default;

    /// <summary>
    /// The kind as grain state stores it: its name (<c>caddy</c>), as every build has stored it
    /// (proxy grains keep their config), so a config stored before the kind was typed reads back unchanged.
    /// </summary>
    [Id(3), JsonIgnore]
    internal string StoredKind { get; init; }

    /// <summary>Equal when everything is, the services compared one by one and the policy by its hash.</summary>
    public bool Equals(ProxyConfig? other) =>
        other is not null && Tenant == other.Tenant && Cluster == other.Cluster && Name == other.Name && StoredKind == other.StoredKind && Admin == other.Admin
        && DesiredPath == other.DesiredPath && PollInterval == other.PollInterval && Timeout == other.Timeout && Services.SequenceEqual(other.Services)
        && Policy.Hash == other.Policy.Hash;

    public override int GetHashCode() => HashCode.Combine(Tenant, Cluster, Name, StoredKind, Admin, DesiredPath, PollInterval, Services.Count);
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

/// <summary>
/// What a proxy last did: its state, why when it is not <see cref="ProxyState.Ok"/>, since when, and its drift.
/// Its kind is stored as its name (<see cref="StoredKind"/>), as builds before the typed kind stored it.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ProxyStatus")]
public sealed record ProxyStatus
{
    public ProxyStatus(
        string name, ProxyKind kind, string admin, ProxyState state, string? error, DateTimeOffset? since, DateTimeOffset? checkedAt, string resource,
        IReadOnlyList<ServiceId> services, int drifts, Severity? worst)
    {
        Name = name;
        StoredKind = kind.ToText();
        Admin = admin;
        State = state;
        Error = error;
        Since = since;
        CheckedAt = checkedAt;
        Resource = resource;
        Services = services;
        Drifts = drifts;
        Worst = worst;
    }

    [Id(0)]
    public string Name { get; init; }

    [JsonConverter(typeof(ProxyKindJsonConverter))]
    public ProxyKind Kind
    {
        get => ProxyKinds.Parse(StoredKind);
        init => StoredKind = value.ToText();
    }

    [Id(2)]
    public string Admin { get; init; }

    [Id(3)]
    public ProxyState State { get; init; }

    [Id(4)]
    public string? Error { get; init; }

    [Id(5)]
    public DateTimeOffset? Since { get; init; }

    [Id(6)]
    public DateTimeOffset? CheckedAt { get; init; }

    [Id(7)]
    public string Resource { get; init; }

    [Id(8)]
    public IReadOnlyList<ServiceId> Services { get; init; }

    [Id(9)]
    public int Drifts { get; init; }

    [Id(10)]
    public Severity? Worst { get; init; }

    /// <summary>
    /// The kind as grain state stores it: its name (<c>caddy</c>), as every build has stored it
    /// (clusters keep their proxies' statuses), so a status stored before the kind was typed reads back unchanged.
    /// </summary>
    [Id(1), JsonIgnore]
    internal string StoredKind { get; init; }

    /// <summary>Equal when everything is, the services compared one by one.</summary>
    public bool Equals(ProxyStatus? other) =>
        other is not null && Name == other.Name && StoredKind == other.StoredKind && Admin == other.Admin && State == other.State && Error == other.Error
        && Since == other.Since && CheckedAt == other.CheckedAt && Resource == other.Resource && Drifts == other.Drifts && Worst == other.Worst
        && Services.SequenceEqual(other.Services);

    public override int GetHashCode() => HashCode.Combine(Name, State, Error, Since, CheckedAt, Drifts, Worst);

    /// <summary>Equal but for when it was last read: no news for the cluster.</summary>
    public bool SameAs(ProxyStatus other) => Equals(other with { CheckedAt = CheckedAt });
}

/// <summary>Writes and reads a <see cref="ProxyKind"/> by its name (<c>caddy</c>), as the fleet spec writes it.</summary>
public sealed class ProxyKindJsonConverter : JsonConverter<ProxyKind>
{
    public override ProxyKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && ProxyKinds.TryParse(reader.GetString(), out var kind)
            ? kind
            : throw new JsonException($"a proxy kind is one of {string.Join(", ", ProxyKinds.Names)}");

    public override void Write(Utf8JsonWriter writer, ProxyKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToText());
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

    /// <summary>Reads and judges the proxy now; null when it is not configured (never declared, or retired).</summary>
    [Alias("Check")]
    Task<ProxyStatus?> Check();

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

    /// <summary>The proxy's status; null when it is not configured (never declared, or retired).</summary>
    [Alias("GetStatus"), AlwaysInterleave]
    Task<ProxyStatus?> GetStatus();

    [Alias("GetDrifts"), AlwaysInterleave]
    Task<IReadOnlyList<DriftRecord>> GetDrifts();
}
