namespace DriftFabric.Abstractions;

/// <summary>
/// One Kubernetes object as compact UTF-8 JSON, with its resource key and where it was declared.
/// The bytes are never changed once made: they are shared, not copied, between grains of a silo.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ResourceDocument")]
public sealed record ResourceDocument(
    [property: Id(0)] string Key,
    [property: Id(1)] byte[] Json,
    [property: Id(2)] string? Source,
    [property: Id(3)] int Line)
{
    /// <summary>The lines of its fields where it was declared, in the order of its JSON (the engine's <c>NodeLines</c>); null when unknown.</summary>
    [Id(4)]
    public byte[]? Lines { get; init; }

    /// <summary>The JSON as text (for tests and diagnostics; the fabric itself works on the bytes).</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Json);
}

/// <summary>The drift policy a service is judged by: the fleet spec text, identified by its hash.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.PolicySource")]
public sealed record PolicySource(
    [property: Id(0)] string Source,
    [property: Id(1)] string Text,
    [property: Id(2)] string Hash)
{
    public static readonly PolicySource Default = new("(built-in)", string.Empty, "default");
}

/// <summary>How one cluster of a tenant is watched, as the fleet spec declares it.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ClusterConfig")]
public sealed record ClusterConfig(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Cluster,
    [property: Id(2)] string DesiredPath,
    [property: Id(3)] string LivePath,
    [property: Id(4)] string DefaultNamespace,
    [property: Id(5)] IReadOnlyList<string> ServiceLabels,
    [property: Id(6)] PolicySource Policy,
    [property: Id(7)] TimeSpan PollInterval)
{
    /// <summary>The live Kubernetes API to watch instead of a snapshot; null for a snapshot cluster.</summary>
    [Id(8)]
    public KubeEndpoint? Kube { get; init; }

    /// <summary>A Git repository to read the desired state from instead of <see cref="DesiredPath"/>; null for a directory.</summary>
    [Id(9)]
    public GitDesired? Git { get; init; }
}

/// <summary>
/// A cluster's desired state kept in a Git repository: the commit <see cref="Ref"/> names (a
/// branch, a tag or a commit SHA; <c>HEAD</c> when unset), the folder <see cref="Path"/> of it,
/// fetched every <see cref="Interval"/>. Credentials and the push webhook's secret are named
/// (an environment variable or a file), never held: the configuration is stored and shown.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.GitDesired")]
public sealed record GitDesired(
    [property: Id(0)] string Url,
    [property: Id(1)] string Ref,
    [property: Id(2)] string Path,
    [property: Id(3)] TimeSpan Interval)
{
    [Id(4)]
    public GitCredentialNames Credentials { get; init; } = GitCredentialNames.None;

    /// <summary>Where the push webhook's secret is (GitHub's HMAC key, GitLab's token): an environment variable.</summary>
    [Id(5)]
    public string? WebhookSecretEnv { get; init; }

    /// <summary>Where the push webhook's secret is: a file.</summary>
    [Id(6)]
    public string? WebhookSecretFile { get; init; }
}

/// <summary>
/// Where a Git remote's credentials are read from at each fetch: an HTTPS token (sent as Basic
/// auth with <see cref="Username"/>) from a file or an environment variable, or an SSH private key
/// from a file or an environment variable, with the known_hosts file that pins the server's key.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.GitCredentialNames")]
public sealed record GitCredentialNames(
    [property: Id(0)] string? TokenFile,
    [property: Id(1)] string? TokenEnv,
    [property: Id(2)] string? Username,
    [property: Id(3)] string? SshKeyFile,
    [property: Id(4)] string? SshKeyEnv,
    [property: Id(5)] string? KnownHostsFile)
{
    public static readonly GitCredentialNames None = new(null, null, null, null, null, null);
}

/// <summary>
/// Where a cluster's API server is: a kubeconfig context, or the pod's own service account
/// (<see cref="InCluster"/>), with the request budget DriftFabric keeps to.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.KubeEndpoint")]
public sealed record KubeEndpoint(
    [property: Id(0)] string? Kubeconfig,
    [property: Id(1)] string? Context,
    [property: Id(2)] bool InCluster,
    [property: Id(3)] int Qps,
    [property: Id(4)] int Burst);

[GenerateSerializer, Alias("driftfabric.SourceState")]
public enum SourceState
{
    Pending,
    Ok,
    Degraded,
    Failed,
    Unreachable,
}

/// <summary>What a cluster's sources last did: when, whether they could be read, and every input error.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.SourceStatus")]
public sealed record SourceStatus(
    [property: Id(0)] SourceState State,
    [property: Id(1)] DateTimeOffset? LoadedAt,
    [property: Id(2)] IReadOnlyList<string> Errors,
    [property: Id(3)] DateTimeOffset? Since)
{
    /// <summary>Equal when everything is, the errors compared one by one.</summary>
    public bool Equals(SourceStatus? other) =>
        other is not null && State == other.State && LoadedAt == other.LoadedAt && Since == other.Since && Errors.SequenceEqual(other.Errors);

    public override int GetHashCode() => HashCode.Combine(State, LoadedAt, Since, Errors.Count);
}
