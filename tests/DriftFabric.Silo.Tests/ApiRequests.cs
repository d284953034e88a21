using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace DriftFabric.Silo.Tests;

/// <summary>Requests to a silo's HTTP API as the tests make them: a token or none, the status and the JSON body.</summary>
public static class ApiRequests
{
    public static Task<(HttpStatusCode Status, JsonNode? Body)> ApiGetAsync(this HttpClient http, string path, string? token) => http.SendJsonAsync(HttpMethod.Get, path, token, null);

    public static Task<(HttpStatusCode Status, JsonNode? Body)> ApiPostAsync(this HttpClient http, string path, string? token, string json) => http.SendJsonAsync(HttpMethod.Post, path, token, json);

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendJsonAsync(this HttpClient http, HttpMethod method, string path, string? token, string? json)
    {
        var (status, _, body) = await http.ApiSendAsync(method, path, token, json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        return (status, body);
    }

    /// <summary>Any request, with the answer's media type (null without a body).</summary>
    public static async Task<(HttpStatusCode Status, string? MediaType, JsonNode? Body)> ApiSendAsync(this HttpClient http, HttpMethod method, string path, string? token, HttpContent? content, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return (response.StatusCode, "text/event-stream", null);
        }

        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
