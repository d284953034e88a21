using System.Diagnostics;
using System.Text.Json;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Api;

/// <summary>
/// Turns what an endpoint throws into a problem: a request binding refused (malformed JSON, a
/// wrong content type) is the caller's error with its status (400, 415) and says what was wrong;
/// anything else is a 500 that says only that the silo failed (an exception's message can name
/// Redis, files or tenants) and is logged once.
/// </summary>
public sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is BadHttpRequestException refused)
        {
            var detail = refused.InnerException is JsonException json ? $"{refused.Message} {json.Message}" : refused.Message;
            await Results.Problem(detail: detail, statusCode: refused.StatusCode).ExecuteAsync(httpContext);
            return true;
        }

        // The endpoint's route, not the request's path: a path is the caller's text.
        var traceId = RequestTrace.Id(httpContext);
        LogFailed(logger, exception, httpContext.GetEndpoint()?.DisplayName ?? "no endpoint", traceId);
        await Results.Problem(
            detail: "the silo failed to answer this request; its log says why (look for the traceId)",
            statusCode: StatusCodes.Status500InternalServerError,
            extensions: new Dictionary<string, object?> { ["traceId"] = traceId }).ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(EventId = LogEvents.ApiFailed, Level = LogLevel.Error, Message = "API: {Endpoint} failed (trace {TraceId})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string endpoint, string traceId);
}

/// <summary>The <c>traceId</c> ASP.NET Core puts in a problem; a log line about a request names it too, so the two can be matched.</summary>
internal static class RequestTrace
{
    public static string Id(HttpContext http) => Activity.Current?.Id ?? http.TraceIdentifier;
}
