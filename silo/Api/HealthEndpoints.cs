using System.Security.Claims;
using DriftFabric.Abstractions;
using DriftFabric.Client;
using DriftFabric.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DriftFabric.Silo.Api;

/// <summary>Whether the silo has loaded its fleet spec (and what the load said), for readiness.</summary>
public sealed class FleetReadiness
{
    private volatile bool _loaded;

    public bool Loaded => _loaded;

    public void MarkLoaded() => _loaded = true;
}

/// <summary>One component's state in a health report.</summary>
public sealed record ComponentHealth(string Component, bool Healthy, string? Problem, DateTimeOffset Since);

/// <summary>One cluster's watch (its live and desired sources) in a health report.</summary>
public sealed record WatchHealth(string Tenant, string Cluster, string State, IReadOnlyList<string> Errors, DateTimeOffset? Since);

/// <summary>What <c>/healthz</c> and <c>/readyz</c> answer to a caller with an API token.</summary>
public sealed record HealthReport(string Status, bool FleetLoaded, IReadOnlyList<ComponentHealth> Components, IReadOnlyList<WatchHealth> Watches);

/// <summary>What they answer without one (a probe): only whether the silo is ok.</summary>
public sealed record HealthStatus(string Status);

/// <summary>
/// <c>/healthz</c>: the process serves (200), with the state of Redis, the event log and every
/// cluster's watch. <c>/readyz</c>: 200 once the fleet is loaded and every component the silo
/// depends on works, 503 otherwise (a cluster whose API server is down is reported, but does not
/// make the silo unready: it still serves every other cluster). Neither needs a token, and without
/// one they say only <c>{"status":"ok"}</c> (or <c>loading</c>, <c>unhealthy</c>): the report names
/// tenants, clusters, files and the Redis address, so it is shown to an API token only, with the
/// watches of the tenants it may read.
/// </summary>
public static class HealthEndpoints
{
    public static void MapDriftFabricHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (ClaimsPrincipal user, FabricHealth health, FleetReadiness fleet, IDriftClient drift, CancellationToken ct) =>
            Answer(user, await Report(health, fleet, drift, ct), StatusCodes.Status200OK))
            .AllowAnonymous().WithSummary("Liveness; with an API token, the state of Redis, the event log and the watches of the tenants it may read.");

        app.MapGet("/readyz", async (ClaimsPrincipal user, FabricHealth health, FleetReadiness fleet, IDriftClient drift, CancellationToken ct) =>
        {
            var report = await Report(health, fleet, drift, ct);
            return Answer(user, report, report.Status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().WithSummary("Readiness: 503 until the fleet is loaded, or while Redis or the event log fails; details as /healthz.");
    }

    /// <summary>
    /// The status alone without a token. With one, the watches of the tenants it may read; what a
    /// component's problem says (it can name any tenant) only to a token for every tenant.
    /// </summary>
    private static IResult Answer(ClaimsPrincipal user, HealthReport report, int status)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return Results.Json(new HealthStatus(report.Status), statusCode: status);
        }

        var components = user.MayReadEveryTenant()
            ? report.Components
            : [.. report.Components.Select(c => c.Healthy ? c : c with { Problem = "unhealthy (what it says needs a token for every tenant)" })];
        return Results.Json(report with { Components = components, Watches = [.. report.Watches.Where(w => user.MayRead(w.Tenant))] }, statusCode: status);
    }

    private static async Task<HealthReport> Report(FabricHealth health, FleetReadiness fleet, IDriftClient drift, CancellationToken ct)
    {
        var components = health.Entries.Select(e => new ComponentHealth(e.Component, e.Healthy, e.Problem, e.Since)).ToList();
        var watches = new List<WatchHealth>();
        if (fleet.Loaded)
        {
            try
            {
                foreach (var tenant in (await drift.GetFleetAsync(ct).WaitAsync(TimeSpan.FromSeconds(5), ct)).Tenants)
                {
                    watches.AddRange(tenant.Clusters.Select(c => new WatchHealth(
                        tenant.Tenant, c.Cluster, c.Status.State.ToString().ToLowerInvariant(), c.Status.Errors, c.Status.Since)));
                }
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                components.Add(new ComponentHealth("grains", false, $"the fleet's grains did not answer: {e.Message}", DateTimeOffset.UtcNow));
            }
        }

        var ready = fleet.Loaded && components.TrueForAll(c => c.Healthy);
        return new HealthReport(ready ? "ok" : fleet.Loaded ? "unhealthy" : "loading", fleet.Loaded, components, watches);
    }
}
