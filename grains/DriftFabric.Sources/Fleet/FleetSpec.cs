using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Policy;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Fleet;

/// <summary>A fleet spec as read: the policy and tenants built from its valid parts, and an error for each invalid one.</summary>
public sealed record FleetSpec(DriftPolicy Policy, IReadOnlyList<ManifestError> Errors)
{
    public IReadOnlyList<TenantSpec> Tenants { get; init; } = [];

    /// <summary>Labels that name the service an object belongs to, in order; the object's name is the last resort.</summary>
    public IReadOnlyList<string> ServiceLabels { get; init; } = FleetSpecReader.DefaultServiceLabels;

    /// <summary>How much of each tenant's event log is kept unless the tenant says otherwise.</summary>
    public EventLogSpec Events { get; init; } = EventLogSpec.Default;

    /// <summary>Webhook sinks that drift events are sent to.</summary>
    public IReadOnlyList<WebhookSpec> Notifications { get; init; } = [];
}

/// <summary>
/// A webhook that drift events are posted to, signed with HMAC-SHA256 under the key held by the
/// environment variable <see cref="SecretEnv"/> (never the spec). Events pass when they belong to
/// one of <see cref="Tenants"/> (empty: all), are at least <see cref="MinSeverity"/>, of one of
/// <see cref="Kinds"/> and <see cref="Events"/> (empty: all), and, with <see cref="SkippedReview"/>,
/// were written by an out-of-band manager.
/// </summary>
public sealed record WebhookSpec(
    string Name,
    Uri Url,
    string Format,
    string SecretEnv,
    IReadOnlyList<string> Tenants,
    Severity MinSeverity,
    IReadOnlyList<DriftKind> Kinds,
    IReadOnlyList<string> Events,
    bool SkippedReview,
    SourceLocation Location)
{
    public const string JsonFormat = "json";
    public const string SlackFormat = "slack";
    public static readonly IReadOnlyList<string> EventTypes = ["opened", "changed", "resolved", "remediated"];
}

/// <summary>A tenant's event log keeps its newest <see cref="MaxLength"/> events, none older than <see cref="MaxAge"/>.</summary>
public sealed record EventLogSpec(int MaxLength, TimeSpan MaxAge)
{
    public static readonly EventLogSpec Default = new(100_000, TimeSpan.FromDays(7));
}

/// <summary>A tenant of the fleet and its clusters.</summary>
public sealed record TenantSpec(string Name, IReadOnlyList<ClusterSpec> Clusters, SourceLocation Location)
{
    public EventLogSpec Events { get; init; } = EventLogSpec.Default;
}

/// <summary>
/// A cluster: where its desired state lives (a directory of the IaC repo) and its live state
/// (a snapshot file or directory of <c>kubectl get -o json</c> output). Paths are absolute,
/// resolved against the fleet spec's folder.
/// </summary>
public sealed record ClusterSpec(
    string Name,
    string DesiredPath,
    string LivePath,
    string DefaultNamespace,
    IReadOnlyList<string> ServiceLabels,
    TimeSpan PollInterval,
    SourceLocation Location)
{
    /// <summary>The cluster's API server, when live state is watched rather than read from a snapshot.</summary>
    public KubeSourceSpec? Kube { get; init; }

    /// <summary>The access proxies and data-plane proxies of the cluster.</summary>
    public IReadOnlyList<ProxySpec> Proxies { get; init; } = [];

    /// <summary>The Git repository the desired state is read from (then <see cref="DesiredPath"/> only names it: <c>URL#ref//path</c>); null for a folder.</summary>
    public Abstractions.GitDesired? Git { get; init; }

    /// <summary>
    /// The cluster's Kubernetes version (<c>kubernetesVersion: "1.28"</c>, major and minor); null
    /// when the spec does not say, taken as current. The injector adds its agent as a native
    /// sidecar from 1.29 on, as a plain container before.
    /// </summary>
    public Version? KubernetesVersion { get; init; }
}

/// <summary>Kubernetes versions as the fleet spec writes them.</summary>
public static class KubernetesVersions
{
    /// <summary>The first minor version with native sidecars on by default (an init container with <c>restartPolicy: Always</c>).</summary>
    public static readonly Version NativeSidecars = new(1, 29);

    /// <summary><c>1.28</c>, <c>v1.28</c> or <c>1.28.3</c>, read as major and minor.</summary>
    public static bool TryParse(string text, out Version version)
    {
        var parts = text.TrimStart('v').Split('.');
        version = new Version(0, 0);
        if (parts.Length is < 2 or > 3 || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit))
            || !int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var minor) || major < 1)
        {
            return false;
        }

        version = new Version(major, minor);
        return true;
    }
}

/// <summary>
/// A proxy of a cluster: its kind, where its running config is read (<see cref="Admin"/>: an
/// http(s) admin URL, <c>unix:PATH</c> or <c>tcp://HOST:PORT</c> for HAProxy's runtime API, or a
/// file), its declared config (a file of the IaC repo), how often it is read, how long a read may
/// take, and the services it fronts (<c>namespace/name</c>), whose drift its drift is part of.
/// </summary>
public sealed record ProxySpec(
    string Name,
    ProxyKind Kind,
    string Admin,
    string DesiredPath,
    TimeSpan PollInterval,
    TimeSpan Timeout,
    IReadOnlyList<(string Namespace, string Name)> Services,
    SourceLocation Location)
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
}

/// <summary>A kubeconfig context (or the pod's own service account) and the request budget for it.</summary>
public sealed record KubeSourceSpec(string? Kubeconfig, string? Context, bool InCluster, int Qps, int Burst);
