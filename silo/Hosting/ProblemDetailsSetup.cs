using DriftFabric.Silo.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace DriftFabric.Silo.Hosting;

/// <summary>
/// Every error the silo's HTTP API answers (400 to 599) is an RFC 9457 problem: a body of type
/// <c>application/problem+json</c> with <c>type</c>, <c>title</c>, <c>status</c> and a <c>detail</c>
/// sentence. Endpoints and the token handler answer with <c>Results.Problem</c> (which writes
/// problem JSON even to a caller that accepts only <c>text/event-stream</c>); what binding refuses (malformed JSON, a wrong content type) and what throws reaches the
/// exception handler (<see cref="ApiExceptionHandler"/>); any other empty error (an unknown
/// path, a method an endpoint does not take) gets its body from the status code pages.
/// </summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddDriftFabricProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();

        // Binding a malformed body or a wrong content type otherwise ends in an empty 400 or 415;
        // thrown, it reaches the exception handler, which says what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>Goes first in the pipeline, so that it sees what every later part answers or throws.</summary>
    public static WebApplication UseDriftFabricProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(context => EmptyError(context.HttpContext).ExecuteAsync(context.HttpContext));
        return app;
    }

    private static IResult EmptyError(HttpContext http)
    {
        var status = http.Response.StatusCode;
        var detail = status switch
        {
            StatusCodes.Status404NotFound => "nothing is served at this path; the API is under /api/v1 (listed at /openapi/v1.json)",
            StatusCodes.Status405MethodNotAllowed => http.Response.Headers.Allow is { Count: > 0 } allowed
                ? $"this endpoint does not take {http.Request.Method}: it takes {allowed}"
                : $"this endpoint does not take {http.Request.Method}",
            // Routing refuses a body of another type before the endpoint runs; every body this API takes is JSON.
            StatusCodes.Status415UnsupportedMediaType => "this endpoint takes a JSON body (Content-Type: application/json)",
            _ => ReasonPhrases.GetReasonPhrase(status),
        };
        return Results.Problem(detail: detail, statusCode: status);
    }
}
