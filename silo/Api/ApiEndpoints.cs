using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using DriftFabric.Abstractions;
using DriftFabric.Client;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DriftFabric.Silo.Api;

/// <summary>The HTTP API: the queries of <see cref="IDriftClient"/> as JSON under <c>/api/v1</c>, and a tenant's events as Server-Sent Events.</summary>
public static partial class ApiEndpoints
{
    public static void MapDriftFabricApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization();

        api.MapGet("/fleet", async (ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
        {
            var readable = (await drift.GetFleetAsync(ct)).Tenants.Where(t => user.MayRead(t.Tenant)).ToList();
            return Results.Ok(new FleetSummary(readable.Aggregate(DriftSummary.Empty, (total, t) => total + t.Summary), readable));
        }).WithSummary("The tenants this token may read, with their summaries and total.");

        api.MapGet("/tenants", async (ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Results.Ok((await drift.GetFleetAsync(ct)).Tenants.Where(t => user.MayRead(t.Tenant))))
            .WithSummary("Every tenant this token may read, with its summary.");

        api.MapGet("/tenants/{tenant}", (string tenant, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Answer(user, tenant, () => drift.GetTenantAsync(tenant, ct)))
            .WithSummary("A tenant's summary and its clusters' roll-ups.");

        api.MapGet("/tenants/{tenant}/clusters/{cluster}", (string tenant, string cluster, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Answer(user, tenant, () => drift.GetClusterAsync(tenant, cluster, ct)))
            .WithSummary("A cluster's roll-up, its services and its proxies.");

        api.MapGet("/tenants/{tenant}/clusters/{cluster}/proxies/{proxy}", (string tenant, string cluster, string proxy, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Answer(user, tenant, () => drift.GetProxyAsync(tenant, cluster, proxy, ct)))
            .WithSummary("A proxy's state (pending, ok, unreachable, invalid) with its error, and its current drifts.");

        var service = api.MapGroup("/tenants/{tenant}/clusters/{cluster}/services/{namespace}/{service}");
        service.MapGet("/", (string tenant, string cluster, string @namespace, string service, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Answer(user, tenant, () => drift.GetServiceAsync(new ServiceId(tenant, cluster, @namespace, service), ct)))
            .WithSummary("A service's summary and current drifts.");
        service.MapGet("/history", (string tenant, string cluster, string @namespace, string service, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Answer(user, tenant, () => drift.GetHistoryAsync(new ServiceId(tenant, cluster, @namespace, service), ct)))
            .WithSummary("A service's most recent transitions, oldest first.");
        service.MapPost("/remediate", (string tenant, string cluster, string @namespace, string service, RemediateBody body, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Remediate(user, tenant, body, actor =>
                drift.RemediateAsync(new RemediationRequest(new ServiceId(tenant, cluster, @namespace, service), body.Resource, body.Action, body.DryRun ?? true, actor) { DeleteUnmanaged = body.DeleteUnmanaged ?? false }, ct)))
            .WithSummary("Reverts the service's drifted resources (or the one named) to the code, or adopts their live values into the code (a patch, and a commit on a new branch in a git checkout). A dry run (the default) only shows what would change. Needs a token with the write scope.");
        api.MapPost("/tenants/{tenant}/clusters/{cluster}/remediate", (string tenant, string cluster, RemediateBody body, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Remediate(user, tenant, body, actor => drift.RemediateClusterAsync(tenant, cluster, body.Action, body.DryRun ?? true, actor, body.DeleteUnmanaged ?? false, ct)))
            .WithSummary("The cluster's whole drift set: the service remediation for each drifted service, one report each. A dry run unless dryRun is false. Needs the write scope.");
        service.MapGet("/resources/{**resource}", (string tenant, string cluster, string @namespace, string service, string resource, ClaimsPrincipal user, IDriftClient drift, CancellationToken ct) =>
            Answer(user, tenant, () => drift.GetResourceDriftAsync(new ServiceId(tenant, cluster, @namespace, service), resource, ct)))
            .WithSummary("The current drifts of one resource of a service (e.g. resources/apps/Deployment/shop/web); empty when in sync.");

        api.MapGet("/tenants/{tenant}/events", async (string tenant, string? after, HttpContext http, ClaimsPrincipal user, IDriftClient drift, IOptions<JsonOptions> json, ILoggerFactory logs, CancellationToken ct) =>
        {
            if (!user.MayRead(tenant))
            {
                return Results.Forbid();
            }

            TenantSummary summary;
            try
            {
                summary = await drift.GetTenantAsync(tenant, ct);
            }
            catch (DriftFabricNotFoundException e)
            {
                return Results.Problem(detail: e.Message, statusCode: StatusCodes.Status404NotFound);
            }

            var logger = logs.CreateLogger(typeof(ApiEndpoints));
            if (StreamCursor(http.Request.Headers["Last-Event-ID"].ToString(), after, summary, out var problem) is not { } cursor)
            {
                // Said once, here: nothing was started that could try again.
                var traceId = RequestTrace.Id(http);
                LogCursorRefused(logger, tenant, traceId, problem);
                return Results.Problem(detail: problem, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["traceId"] = traceId });
            }

            await StreamEventsAsync(http.Response, drift.WatchAsync(tenant, cursor, cancellationToken: ct), json.Value.SerializerOptions, logger, ct);
            return Results.Empty;
        }).WithSummary("The tenant's drift events as Server-Sent Events (id: sequence; event: opened, changed, resolved or remediated), resuming from Last-Event-ID, or ?after=N; a cursor below 0, not a number or past the tenant's last event is a 400.");
    }

    /// <summary>
    /// Where a stream starts: after the <c>Last-Event-ID</c> a reconnecting EventSource sends, else
    /// after <c>?after=N</c>, else after the tenant's last event (a tail from now). Null, with the
    /// problem, for a cursor that names no place in the tenant's log: it is refused here, before
    /// anything reads the log with it.
    /// </summary>
    private static long? StreamCursor(string lastEventId, string? after, TenantSummary summary, out string problem)
    {
        var (name, separator, text) = lastEventId.Length > 0 ? ("Last-Event-ID", ": ", lastEventId) : ("after", "=", after);
        problem = string.Empty;
        if (text is null)
        {
            return summary.LastSequence;
        }

        // The caller's text is never repeated (the problem is logged): only a number parsed from it.
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cursor))
        {
            problem = $"{name} is not an event sequence number (a whole number from 0; 0 replays the log)";
        }
        else if (cursor < 0)
        {
            problem = $"{name}{separator}{cursor} is below 0: events are numbered from 1 (0 replays the log)";
        }
        else if (cursor > summary.LastSequence)
        {
            problem = $"{name}{separator}{cursor} is past the last event of tenant {summary.Tenant} ({summary.LastSequence})";
        }
        else
        {
            return cursor;
        }

        return null;
    }

    /// <summary>
    /// Writes events as Server-Sent Events (<c>id</c>: sequence, <c>event</c>: the transition,
    /// <c>data</c>: the event as JSON) until the client goes. Headers go out at once, and a comment
    /// every <see cref="KeepAlive"/> while nothing happens, so proxies keep an idle stream open. A
    /// cursor behind the log's retention ends the stream with an <c>error</c> event.
    /// </summary>
    private static async Task StreamEventsAsync(HttpResponse response, IAsyncEnumerable<DriftEvent> events, JsonSerializerOptions json, ILogger logger, CancellationToken ct)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(ct);
        var cursor = events.GetAsyncEnumerator(ct);
        var next = cursor.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                if (await Task.WhenAny(next, Task.Delay(KeepAlive, ct)) != next)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }

                if (!await next)
                {
                    return;
                }

                var e = cursor.Current;
                await response.WriteAsync($"id: {e.Sequence.ToString(CultureInfo.InvariantCulture)}\nevent: {e.Type.ToString().ToLowerInvariant()}\ndata: {JsonSerializer.Serialize(e, json)}\n\n", ct);
                await response.Body.FlushAsync(ct);
                next = cursor.MoveNextAsync().AsTask();
            }
        }
        catch (DriftEventsTrimmedException e)
        {
            await response.WriteAsync($"event: error\ndata: {JsonSerializer.Serialize(new ApiError(e.Message), json)}\n\n", ct);
        }
        catch (DriftEventCursorOutOfRangeException e)
        {
            // The log no longer reaches the cursor it was checked against (it was reset): said once, not retried.
            LogCursorRefused(logger, e.Tenant, RequestTrace.Id(response.HttpContext), e.Message);
            await response.WriteAsync($"event: error\ndata: {JsonSerializer.Serialize(new ApiError(e.Message), json)}\n\n", ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            // An async iterator is disposed only once its pending step is over (cancelled with the request).
            await next.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await cursor.DisposeAsync();
        }
    }

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    [LoggerMessage(EventId = LogEvents.ApiCursorRefused, Level = LogLevel.Warning, Message = "API: refused an event stream of tenant {Tenant} (trace {TraceId}): {Problem}")]
    private static partial void LogCursorRefused(ILogger logger, string tenant, string traceId, string problem);

    /// <summary>A remediation: 403 without the tenant or the write scope, 400 for an unknown action, 404 for unknown names.</summary>
    private static async Task<IResult> Remediate<T>(ClaimsPrincipal user, string tenant, RemediateBody body, Func<string, Task<T>> act)
    {
        if (!user.MayRead(tenant))
        {
            return Results.Forbid();
        }

        if (!user.MayWrite(tenant))
        {
            return Results.Problem(detail: "this token has no write scope: remediation needs one", statusCode: StatusCodes.Status403Forbidden);
        }

        if (body.Action is not (RemediationRequest.Revert or RemediationRequest.Adopt))
        {
            return Results.Problem(detail: $"'{body.Action}' is not an action (revert, adopt)", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            // Who acted is the token's holder, as configured; what the caller says of itself (cli, a
            // pipeline's name) is added, never trusted alone.
            var holder = user.Identity?.Name ?? "unknown";
            return Results.Ok(await act(body.Actor is { Length: > 0 } actor ? $"api:{holder}/{actor}" : $"api:{holder}"));
        }
        catch (DriftFabricNotFoundException e)
        {
            return Results.Problem(detail: e.Message, statusCode: StatusCodes.Status404NotFound);
        }
    }

    /// <summary>403 for a tenant the token may not read, 404 for a name the fabric does not know, else the answer.</summary>
    private static async Task<IResult> Answer<T>(ClaimsPrincipal user, string tenant, Func<Task<T>> query)
    {
        if (!user.MayRead(tenant))
        {
            return Results.Forbid();
        }

        try
        {
            return Results.Ok(await query());
        }
        catch (DriftFabricNotFoundException e)
        {
            return Results.Problem(detail: e.Message, statusCode: StatusCodes.Status404NotFound);
        }
    }
}

/// <summary>
/// The body of a remediation: the action (<c>revert</c>), whether only to show what would change
/// (default true), one resource or all, whether objects the code does not declare are deleted
/// (default false), and who asks (for the record).
/// </summary>
public sealed record RemediateBody(string Action, bool? DryRun, string? Resource, string? Actor, bool? DeleteUnmanaged);
