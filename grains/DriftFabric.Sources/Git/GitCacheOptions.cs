namespace DriftFabric.Sources.Git;

/// <summary>
/// Where fetched repositories are kept and how much they may take: one repository (its shallow
/// history and the trees of the commits in use) at most <see cref="MaxRepositoryBytes"/> (a fetch
/// that grows past it is stopped: an oversized repository), all of them at most
/// <see cref="MaxTotalBytes"/> (the least recently used are evicted, fetched again when needed).
/// </summary>
public sealed class GitCacheOptions
{
    /// <summary>The silo's settings section (<c>DriftFabric:Git</c>, or <c>DRIFTFABRIC__GIT__DIRECTORY</c>...).</summary>
    public const string Section = "DriftFabric:Git";

    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "driftfabric-git");

    public long MaxRepositoryBytes { get; set; } = 256L * 1024 * 1024;

    public long MaxTotalBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>How long one git command may take before it is stopped.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many commits back a new commit's history is fetched to find the last one judged: not
    /// found there, the ref was force-pushed (a push of more commits at once reads as one).
    /// </summary>
    public int AncestryDepth { get; set; } = 1000;

    /// <summary>The push webhook's secret for clusters whose spec names none: a file.</summary>
    public string? WebhookSecretFile { get; set; }

    /// <summary>The push webhook's secret for clusters whose spec names none: an environment variable.</summary>
    public string? WebhookSecretEnv { get; set; }

    /// <summary>The first problem with these options, or null.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Directory) ? "Git cache directory is empty"
        : MaxRepositoryBytes <= 0 ? "Git cache MaxRepositoryBytes must be positive"
        : MaxTotalBytes < MaxRepositoryBytes ? "Git cache MaxTotalBytes must be at least MaxRepositoryBytes"
        : FetchTimeout <= TimeSpan.Zero ? "Git FetchTimeout must be positive"
        : AncestryDepth <= 0 ? "Git AncestryDepth must be positive"
        : null;
}
