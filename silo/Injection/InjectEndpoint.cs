using DriftFabric.Sources;
using DriftFabric.Sources.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Injection;

/// <summary>
/// <c>POST /inject</c> on the webhook's port, and nothing else there: the port is a branch of its
/// own ahead of the API's pipeline, so none of the API's routes answer on it, and <c>/inject</c>
/// is not a route of the API's port. No API token: the API server calls it, over TLS.
/// </summary>
public static partial class InjectEndpoint
{
    public const string Path = "/inject";

    /// <summary>An AdmissionReview carries the pod (and for updates the old one); objects are at most 1.5 MiB in etcd.</summary>
    private const int MaxReviewBytes = 4 * 1024 * 1024;

    public static void MapSidecarInjector(this WebApplication app, int webhookPort) =>
        app.MapWhen(context => context.Connection.LocalPort == webhookPort, branch => branch.Run(ReviewAsync));

    private static async Task ReviewAsync(HttpContext context)
    {
        if (context.Request.Path != Path)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "POST";
            return;
        }

        if (context.Request.ContentLength > MaxReviewBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (body.Length + read > MaxReviewBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }

            body.Write(buffer, 0, read);
        }

        var injector = context.RequestServices.GetRequiredService<PodInjector>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InjectEndpoint).FullName!);
        var result = injector.Review(body.GetBuffer().AsSpan(0, (int)body.Length));
        switch (result.Outcome)
        {
            case InjectionOutcome.Malformed:
                LogReviewMalformed(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?", result.Problem!);
                break;
            case InjectionOutcome.Injected:
                LogInjected(logger, context.Request.ContentLength ?? body.Length);
                break;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(result.ResponseJson, context.RequestAborted);
    }

    /// <summary>
    /// The agent as the settings and the fleet make it. Native sidecars unless the cluster the
    /// webhook serves (<c>DRIFTFABRIC__WEBHOOK__CLUSTER</c>, else the fleet's one <c>inCluster</c>
    /// cluster) says in <c>kubernetesVersion</c> that it is older than 1.29. The fleet is read
    /// once, at start. Null with the one-line error when the named cluster is not in the fleet.
    /// </summary>
    public static AgentSidecar? Sidecar(WebhookOptions options, FleetSpec fleet, out string? error, out string? cluster)
    {
        error = null;
        cluster = null;
        var clusters = fleet.Tenants.SelectMany(t => t.Clusters.Select(c => (Key: $"{t.Name}/{c.Name}", Spec: c))).ToList();
        ClusterSpec? served = null;
        if (!string.IsNullOrWhiteSpace(options.Cluster))
        {
            if (clusters.FirstOrDefault(c => c.Key == options.Cluster.Trim()) is not { Spec: { } named })
            {
                error = $"webhook: DRIFTFABRIC__WEBHOOK__CLUSTER names '{options.Cluster}', which the fleet spec does not declare (tenant/cluster)";
                return null;
            }

            served = named;
            cluster = options.Cluster.Trim();
        }
        else if (clusters.Where(c => c.Spec.Kube?.InCluster == true).ToList() is [var only])
        {
            served = only.Spec;
            cluster = only.Key;
        }

        var native = served?.KubernetesVersion is not { } version || version >= KubernetesVersions.NativeSidecars;
        return new AgentSidecar(options.AgentImage.Trim(), new Uri(options.AgentServer), native);
    }

    [LoggerMessage(EventId = LogEvents.WebhookReviewMalformed, Level = LogLevel.Warning, Message = "Webhook: admitted a malformed review from {Remote} without the agent: {Problem}")]
    private static partial void LogReviewMalformed(ILogger logger, string remote, string problem);

    [LoggerMessage(EventId = LogEvents.WebhookInjected, Level = LogLevel.Information, Message = "Webhook: added the agent to a pod (review of {Bytes} bytes)")]
    private static partial void LogInjected(ILogger logger, long bytes);
}

/// <summary>What the webhook serves, for the silo's start-up line.</summary>
/// <param name="Cluster">The cluster whose version decided the sidecar's form (<c>tenant/cluster</c>), or null when none did.</param>
public sealed record WebhookServing(AgentSidecar Sidecar, string? Cluster);
