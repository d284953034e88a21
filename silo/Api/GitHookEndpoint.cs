using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DriftFabric.Abstractions;
using DriftFabric.Sources;
using DriftFabric.Sources.Git;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Api;

/// <summary>
/// <c>POST /api/v1/hooks/git</c>: a Git host's push webhook. It carries no API token: a GitHub
/// push is signed (<c>X-Hub-Signature-256</c>, HMAC-SHA256 of the body under the secret), a GitLab
/// one carries the secret itself (<c>X-Gitlab-Token</c>). Every cluster whose Git desired state
/// follows the pushed repository (URLs compared by <see cref="GitUrls.Normalize"/>) and ref, and
/// whose webhook secret (named in its fleet spec, or the silo's) the request proves, fetches at
/// once. A request that proves no secret is 401, and nothing happens.
/// </summary>
public static partial class GitHookEndpoint
{
    /// <summary>GitHub caps a webhook's payload at 25 MB; a push's is far smaller, and the body is read whole to be verified.</summary>
    private const int MaxBody = 5 * 1024 * 1024;

    public static void MapGitHook(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/hooks/git", HandleAsync)
            .AllowAnonymous()
            .WithSummary("A GitHub or GitLab push webhook: every cluster following the pushed repository and ref, whose webhook secret the request proves, fetches now. 202 with the clusters triggered; 401 when no secret is proven.");

    private static async Task<IResult> HandleAsync(HttpContext http, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<GitCacheOptions> silo, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var logger = logs.CreateLogger(typeof(GitHookEndpoint));
        if (http.Request.ContentLength > MaxBody)
        {
            return Results.Problem(detail: $"a push payload is at most {MaxBody} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBody)
        {
            return Results.Problem(detail: $"a push payload is at most {MaxBody} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var body = buffer.ToArray();
        var github = http.Request.Headers["X-Hub-Signature-256"].ToString();
        var gitlab = http.Request.Headers["X-Gitlab-Token"].ToString();
        if (github.Length == 0 && gitlab.Length == 0)
        {
            return Refused(logger, http, "neither X-Hub-Signature-256 nor X-Gitlab-Token");
        }

        if (!TryReadPush(body, out var urls, out var pushedRef))
        {
            return Refused(logger, http, "not a push payload (no repository URL or ref)");
        }

        var triggered = new List<string>();
        foreach (var (key, git) in await FollowersAsync(grains, urls, pushedRef))
        {
            if (SecretOf(git, silo.Value) is { } secret && (github.Length > 0 ? SignedBy(body, github, secret) : SameSecret(gitlab, secret)))
            {
                if (await grains.GetGrain<IClusterGrain>(key).RefreshDesired())
                {
                    triggered.Add(key);
                }
            }
        }

        if (triggered.Count == 0)
        {
            // No follower, or none whose secret the request proves: the same answer, so an unsigned caller learns nothing.
            return Refused(logger, http, "no cluster following the pushed repository and ref has a secret the request proves");
        }

        return Results.Json(new GitHookAnswer(triggered.Count, triggered), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The repository's URLs and the pushed ref: GitHub's <c>repository.clone_url|ssh_url|html_url|git_url</c>, GitLab's <c>project.git_http_url|git_ssh_url|web_url</c>.</summary>
    internal static bool TryReadPush(byte[] body, out List<string> urls, out string pushedRef)
    {
        urls = [];
        pushedRef = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ref", out var reference) || reference.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            pushedRef = reference.GetString()!;
            foreach (var (container, fields) in new[] { ("repository", new[] { "clone_url", "ssh_url", "html_url", "git_url", "git_http_url", "git_ssh_url", "url" }), ("project", new[] { "git_http_url", "git_ssh_url", "web_url" }) })
            {
                if (root.TryGetProperty(container, out var repository) && repository.ValueKind == JsonValueKind.Object)
                {
                    urls.AddRange(fields.Select(f => repository.TryGetProperty(f, out var url) && url.ValueKind == JsonValueKind.String ? url.GetString() : null).OfType<string>());
                }
            }

            return urls.Count > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The clusters (key, Git source) following one of <paramref name="urls"/> at <paramref name="pushedRef"/>.</summary>
    private static async Task<List<(string Key, GitDesired Git)>> FollowersAsync(IGrainFactory grains, List<string> urls, string pushedRef)
    {
        var repositories = urls.Select(GitUrls.Normalize).ToHashSet(StringComparer.Ordinal);
        var followers = new List<(string, GitDesired)>();
        foreach (var tenant in await grains.GetGrain<IFleetGrain>(FabricDefaults.FleetKey).GetTenants())
        {
            foreach (var cluster in (await grains.GetGrain<ITenantGrain>(tenant).GetSummary()).Clusters)
            {
                var key = ClusterKeys.Of(tenant, cluster.Cluster);
                if (await grains.GetGrain<IClusterGrain>(key).GetConfig() is { Git: { } git }
                    && repositories.Contains(GitUrls.Normalize(git.Url)) && GitUrls.RefMatches(git.Ref, pushedRef))
                {
                    followers.Add((key, git));
                }
            }
        }

        return followers;
    }

    /// <summary>The cluster's webhook secret, read now from where its spec names it, else the silo's; null when there is none.</summary>
    private static byte[]? SecretOf(GitDesired git, GitCacheOptions silo)
    {
        var file = git.WebhookSecretFile ?? (git.WebhookSecretEnv is null ? silo.WebhookSecretFile : null);
        var env = git.WebhookSecretEnv ?? (git.WebhookSecretFile is null ? silo.WebhookSecretEnv : null);
        string? text = null;
        try
        {
            text = file is not null ? File.ReadAllText(file).Trim() : env is not null ? Environment.GetEnvironmentVariable(env)?.Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: no secret, so nothing is proven.
        }

        return string.IsNullOrEmpty(text) ? null : Encoding.UTF8.GetBytes(text);
    }

    /// <summary>GitHub's <c>sha256=HEX</c>: the body's HMAC-SHA256 under the secret, compared in constant time.</summary>
    internal static bool SignedBy(byte[] body, string header, byte[] secret)
    {
        const string Prefix = "sha256=";
        if (!header.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        byte[] claimed;
        try
        {
            claimed = Convert.FromHexString(header.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(secret, body), claimed);
    }

    /// <summary>GitLab's token: the secret itself, compared in constant time (through hashes of equal length).</summary>
    internal static bool SameSecret(string token, byte[] secret) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(secret));

    private static IResult Refused(ILogger logger, HttpContext http, string problem)
    {
        LogRefused(logger, http.TraceIdentifier, problem);
        return Results.Problem(detail: "the push could not be verified", statusCode: StatusCodes.Status401Unauthorized);
    }

    [LoggerMessage(EventId = LogEvents.GitHookRefused, Level = LogLevel.Warning, Message = "API: refused a Git push webhook (trace {TraceId}): {Problem}")]
    private static partial void LogRefused(ILogger logger, string traceId, string problem);
}

/// <summary>What a verified push did: how many clusters fetch now, and which.</summary>
public sealed record GitHookAnswer(int Triggered, IReadOnlyList<string> Clusters);
