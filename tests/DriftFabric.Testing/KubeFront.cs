using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DriftFabric.Testing;

/// <summary>
/// A loopback responder in front of the simulated API server: answers the requests a test picks
/// itself (a fault: 401, 403, garbage), forwards the rest. Forwarded answers stream as they come
/// (a watch stays a watch), so a fault can also be a line put into a running watch's stream.
/// Which requests fail is asked again for every request: a test makes the server well by clearing it.
/// </summary>
public sealed class KubeFront : IAsyncDisposable
{
    /// <summary>403 as RBAC answers it for a kind the user may not list.</summary>
    public static Func<HttpContext, Task> Forbidden(string resource, string? group, string ns) => context => Status(context, 403, "Forbidden",
        $"{resource}{(string.IsNullOrEmpty(group) ? string.Empty : "." + group)} is forbidden: User \"ci\" cannot list resource \"{resource}\" in API group \"{group}\" in the namespace \"{ns}\"");

    public static readonly Func<HttpContext, Task> Unauthorized = context => Status(context, 401, "Unauthorized", "Unauthorized");

    /// <summary>200 with a load balancer's HTML page where JSON should be.</summary>
    public static readonly Func<HttpContext, Task> Garbage = async context =>
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("<html><body>502 from a load balancer</body></html>");
    };

    private readonly WebApplication _app;
    private readonly HttpClient _forward;

    private KubeFront(WebApplication app, Uri uri, HttpClient forward)
    {
        _app = app;
        Uri = uri.ToString().TrimEnd('/');
        _forward = forward;
    }

    /// <summary>The responder's address, without the trailing <c>/</c> (as errors name a server).</summary>
    public string Uri { get; }

    /// <summary>
    /// The fault for a request (its path and query), or null to forward it. Read at every request.
    /// </summary>
    public Func<string, Func<HttpContext, Task>?> FaultFor { get; set; } = _ => null;

    /// <summary>
    /// A line to put into a forwarded watch stream (by path and query) before its next event, once;
    /// null for none. Read at every forwarded line.
    /// </summary>
    public Func<string, string?> StreamFaultFor { get; set; } = _ => null;

    public static async Task<KubeFront> StartAsync(KubeApiServer server, Func<string, Func<HttpContext, Task>?>? faultFor = null)
    {
        var forward = new HttpClient { BaseAddress = server.BaseUri, Timeout = Timeout.InfiniteTimeSpan };
        KubeFront? front = null;
        var (app, uri) = await LoopbackWeb.StartAsync(app => app.Run(context => front!.AnswerAsync(context)));
        front = new KubeFront(app, uri, forward);
        if (faultFor is not null)
        {
            front.FaultFor = faultFor;
        }

        return front;
    }

    /// <summary>The server's kubeconfig, pointing at this responder.</summary>
    public string KubeConfig(KubeApiServer server) => server.KubeConfig().Replace(server.BaseUri.ToString().TrimEnd('/'), Uri, StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _forward.Dispose();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request.Path + context.Request.QueryString;
        if (FaultFor(request) is { } fault)
        {
            await fault(context);
            return;
        }

        using var message = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path.ToString().TrimStart('/') + context.Request.QueryString);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } type)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        using var answer = await _forward.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
        await using var body = await answer.Content.ReadAsStreamAsync(context.RequestAborted);
        if (context.Request.Query["watch"] != "true")
        {
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
            return;
        }

        // A watch: line by line, so that a fault line can go in between two events.
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(context.RequestAborted) is { } line)
        {
            if (StreamFaultFor(request) is { } extra)
            {
                await context.Response.WriteAsync(extra + "\n", context.RequestAborted);
            }

            await context.Response.WriteAsync(line + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task Status(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", status = "Failure", message, reason, code }));
    }
}
