using System.Security.Claims;
using DriftFabric.Abstractions;
using DriftFabric.Client;
using DriftFabric.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using HealthStatusCode = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;

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
/// Health as ASP.NET health checks. <c>/healthz</c> (liveness) runs the checks tagged
/// <see cref="Live"/>, which read this silo's own memory only and never call a grain: the process
/// serves (always 200), with the state of Redis and the event log and whether the fleet is
/// loaded. <c>/readyz</c> runs those and the ones tagged <see cref="Ready"/>: 200 once the fleet
/// is loaded, every component the silo depends on works and the fleet's grains answer, 503
/// otherwise, with every cluster's watch (a cluster whose API server is down is reported, but does
/// not make the silo unready: it still serves every other cluster). Neither needs a token, and
/// without one they say only <c>{"status":"ok"}</c> (or <c>loading</c>, <c>unhealthy</c>): the
/// report names tenants, clusters, files and the Redis address, so it is shown to an API token
/// only, with the watches of the tenants it may read.
/// </summary>
public static class HealthEndpoints
{
    public const string Live = "live";
    public const string Ready = "ready";

    /// <summary>The health checks behind the two endpoints.</summary>
    public static IServiceCollection AddDriftFabricHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ComponentsHealthCheck>("components", tags: [Live, Ready])
            .AddCheck<FleetLoadedHealthCheck>("fleet", tags: [Live, Ready])
            .AddCheck<FleetGrainsHealthCheck>("grains", tags: [Ready]);
        return services;
    }

    public static void MapDriftFabricHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (ClaimsPrincipal user, HealthCheckService checks, CancellationToken ct) =>
            Answer(user, Report(await checks.CheckHealthAsync(c => c.Tags.Contains(Live), ct)), StatusCodes.Status200OK))
            .AllowAnonymous().WithSummary("Liveness (never asks a grain); with an API token, the state of Redis and the event log, and whether the fleet is loaded.");

        app.MapGet("/readyz", async (ClaimsPrincipal user, HealthCheckService checks, CancellationToken ct) =>
        {
            var report = Report(await checks.CheckHealthAsync(c => c.Tags.Contains(Live) || c.Tags.Contains(Ready), ct));
            return Answer(user, report, report.Status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().WithSummary("Readiness: 503 until the fleet is loaded, or while Redis, the event log or the fleet's grains fail; with an API token, every watch of the tenants it may read.");
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

    private static HealthReport Report(Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport checks)
    {
        var components = new List<ComponentHealth>();
        var watches = new List<WatchHealth>();
        var loaded = checks.Entries.TryGetValue("fleet", out var fleet) && fleet.Status == HealthStatusCode.Healthy;
        foreach (var (_, entry) in checks.Entries)
        {
            foreach (var value in entry.Data.Values)
            {
                switch (value)
                {
                    case ComponentHealth component:
                        components.Add(component);
                        break;
                    case WatchHealth watch:
                        watches.Add(watch);
                        break;
                }
            }
        }

        var ready = loaded && checks.Status == HealthStatusCode.Healthy;
        return new HealthReport(ready ? "ok" : loaded ? "unhealthy" : "loading", loaded, components, watches);
    }
}

/// <summary>Redis and the event log, as this silo last found them (<see cref="FabricHealth"/>, in memory).</summary>
internal sealed class ComponentsHealthCheck(FabricHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var entries = health.Entries;
        var data = entries.ToDictionary(e => e.Component, e => (object)new ComponentHealth(e.Component, e.Healthy, e.Problem, e.Since), StringComparer.Ordinal);
        return Task.FromResult(entries.All(e => e.Healthy)
            ? HealthCheckResult.Healthy(data: data)
            : HealthCheckResult.Unhealthy(string.Join("; ", entries.Where(e => !e.Healthy).Select(e => e.Component)), data: data));
    }
}

/// <summary>Whether the silo has loaded its fleet spec.</summary>
internal sealed class FleetLoadedHealthCheck(FleetReadiness fleet) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(fleet.Loaded ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the fleet is loading"));
}

/// <summary>Every cluster's watch, from the fleet's grains (5 s at most): readiness only.</summary>
internal sealed class FleetGrainsHealthCheck(FleetReadiness fleet, IDriftClient drift, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!fleet.Loaded)
        {
            return HealthCheckResult.Healthy();
        }

        try
        {
            var data = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var tenant in (await drift.GetFleetAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken)).Tenants)
            {
                foreach (var c in tenant.Clusters)
                {
                    data[$"{tenant.Tenant}/{c.Cluster}"] = new WatchHealth(tenant.Tenant, c.Cluster, c.Status.State.ToString().ToLowerInvariant(), c.Status.Errors, c.Status.Since);
                }
            }

            return HealthCheckResult.Healthy(data: data);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            var problem = new ComponentHealth("grains", false, $"the fleet's grains did not answer: {e.Message}", time.GetUtcNow());
            return HealthCheckResult.Unhealthy(problem.Problem, e, new Dictionary<string, object>(StringComparer.Ordinal) { ["grains"] = problem });
        }
    }
}
