using System.Net;
using System.Text.Json;
using DriftFabric.Engine.Parsing;
using k8s.Autorest;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>
/// What an API server's answer that went wrong comes to, in words that name the server: one
/// wording for <c>check --context</c>'s listing and the fabric's watch. Never the request's credentials.
/// </summary>
internal static class KubeAnswers
{
    /// <summary>The server as errors name it: its address, without the trailing <c>/</c>.</summary>
    public static string ServerOf(k8s.IKubernetes client) => client.BaseUri?.ToString().TrimEnd('/') ?? "the API server";

    /// <summary>True for an answer that was refused, was not Kubernetes JSON, or did not come: an error of the source, not of DriftFabric.</summary>
    public static bool IsAnswerProblem(Exception e) =>
        e is HttpOperationException or HttpRequestException or IOException or JsonException or InvalidDataException or ParseException
            or k8s.Exceptions.KubernetesClientException or k8s.KubernetesException
            or InvalidOperationException or KeyNotFoundException or TaskCanceledException { InnerException: TimeoutException };

    /// <summary>
    /// True for an answer that came but was refused or was not Kubernetes JSON: a fault of what
    /// was asked for, not of the connection (a server that cannot be reached is unreachable as a whole).
    /// </summary>
    public static bool IsRefusalOrGarbage(Exception e) =>
        IsAnswerProblem(e) && e is not (HttpRequestException or IOException or TaskCanceledException);

    /// <summary>Why, naming <paramref name="server"/>.</summary>
    public static string Describe(Exception e, string server) => e switch
    {
        HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } => $"{server} answered 401 Unauthorized: its credentials were refused (check the kubeconfig's user)",
        HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http => $"{server} answered 403 Forbidden: the user may not list it{Reason(http)}",
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => $"{server} answered 410 Gone: the listing expired between pages; run again",
        HttpOperationException http => $"{server} answered {(int)http.Response.StatusCode}{Reason(http)}",
        k8s.KubernetesException { Status: { } status } => $"{server} answered {status.Code} {status.Reason}{(string.IsNullOrEmpty(status.Message) ? string.Empty : ": " + Short(status.Message))}",
        HttpRequestException request => $"cannot reach {server}: {request.Message}",
        IOException io => $"the connection to {server} broke: {io.Message}",
        TaskCanceledException or OperationCanceledException => $"{server} did not answer in time",
        _ => $"{server} answered what is not Kubernetes JSON ({e.Message})",
    };

    /// <summary>The server's own reason (a Status object's message), short.</summary>
    private static string Reason(HttpOperationException http)
    {
        var content = http.Response.Content;
        if (string.IsNullOrEmpty(content))
        {
            return string.Empty;
        }

        try
        {
            using var status = JsonDocument.Parse(content);
            if (status.RootElement.ValueKind == JsonValueKind.Object && status.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return ": " + Short(message.GetString() ?? string.Empty);
            }
        }
        catch (JsonException)
        {
            // Not a Status: the code says enough.
        }

        return string.Empty;
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
