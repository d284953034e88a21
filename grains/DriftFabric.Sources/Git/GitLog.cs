using Microsoft.Extensions.Logging;

namespace DriftFabric.Sources.Git;

/// <summary>The Git source's log messages; a remote is named by its URL (never with credentials: the spec refuses them).</summary>
internal static partial class GitLog
{
    [LoggerMessage(EventId = LogEvents.GitFetched, Level = LogLevel.Information, Message = "Git {Remote}: desired state now at {Commit} (was {Previous})")]
    public static partial void Fetched(ILogger logger, string remote, string commit, string? previous);

    [LoggerMessage(EventId = LogEvents.GitFetchFailed, Level = LogLevel.Warning, Message = "Git {Remote}: {Problem}; desired state kept at {Kept}")]
    public static partial void FetchFailed(ILogger logger, string remote, string problem, string? kept);

    [LoggerMessage(EventId = LogEvents.GitEvicted, Level = LogLevel.Information, Message = "Git cache: {Remote} evicted, {Bytes} bytes freed")]
    public static partial void Evicted(ILogger logger, string remote, long bytes);
}
