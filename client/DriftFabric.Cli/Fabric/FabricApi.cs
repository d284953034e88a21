using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using DriftFabric.Abstractions;

namespace DriftFabric.Cli.Fabric;

/// <summary>A request to the fabric that failed, said in one line (unreachable, refused token, unknown name).</summary>
internal sealed class FabricApiException(string message) : Exception(message);

/// <summary>The silo's HTTP API as the CLI uses it: JSON queries, and a tenant's events as Server-Sent Events.</summary>
internal sealed class FabricApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = FabricJson.Create();

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private readonly HttpClient _http;
    private readonly Uri _server;

    public FabricApi(Uri server, string? token, HttpMessageHandler? handler = null)
    {
        _server = server;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = server;
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <exception cref="FabricApiException">The server cannot be reached or answers with an error.</exception>
    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => ReadAsync<T>(path, null, cancellationToken);

    /// <summary>POSTs <paramref name="body"/> as JSON and reads the answer (remediation waits on an API server: up to 2 minutes).</summary>
    /// <exception cref="FabricApiException">The server cannot be reached or answers with an error.</exception>
    public Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken) =>
        ReadAsync<T>(path, JsonContent.Create(body, body.GetType(), options: Json), cancellationToken);

    private async Task<T> ReadAsync<T>(string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(content is null ? 30 : 120));
        using var response = await SendAsync(path, null, timeout.Token, content);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, timeout.Token)
                ?? throw new FabricApiException($"{_server} answered {path} with nothing");
        }
        catch (JsonException e)
        {
            throw new FabricApiException($"{_server} answered {path} with something that is not the API's JSON: {e.Message}");
        }
    }

    /// <summary>
    /// A tenant's events after <paramref name="after"/> (null: from now), following the stream;
    /// a dropped connection is reopened after the last event seen, with backoff, and
    /// <paramref name="onReconnect"/> hears why.
    /// </summary>
    public async IAsyncEnumerable<DriftEvent> WatchAsync(string tenant, long? after, Action<string> onReconnect, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lastSeen = after;
        var backoff = TimeSpan.FromMilliseconds(250);
        var path = $"api/v1/tenants/{Uri.EscapeDataString(tenant)}/events";
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(path, lastSeen, cancellationToken);
            }
            catch (FabricApiException e) when (!IsRefusal(e))
            {
                onReconnect(e.Message);
                await Task.Delay(backoff, cancellationToken);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
                continue;
            }

            using (response)
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                var items = SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                string? dropped = null;
                try
                {
                    while (true)
                    {
                        try
                        {
                            if (!await items.MoveNextAsync())
                            {
                                dropped = "the server closed the stream";
                                break;
                            }
                        }
                        catch (Exception e) when (e is IOException or HttpRequestException)
                        {
                            dropped = e.Message;
                            break;
                        }

                        var item = items.Current;
                        if (item.EventType == "error")
                        {
                            throw new FabricApiException(ErrorOf(item.Data) ?? item.Data);
                        }

                        var e2 = JsonSerializer.Deserialize<DriftEvent>(item.Data, Json)
                            ?? throw new FabricApiException($"{_server} sent an event that is not a drift event");
                        lastSeen = e2.Sequence;
                        backoff = TimeSpan.FromMilliseconds(250);
                        yield return e2;
                    }
                }
                finally
                {
                    await items.DisposeAsync();
                }

                onReconnect(dropped);
            }
        }
    }

    private static bool IsRefusal(FabricApiException e) => e.Data["status"] is HttpStatusCode status && (int)status is >= 400 and < 500;

    private async Task<HttpResponseMessage> SendAsync(string path, long? lastEventId, CancellationToken cancellationToken, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(content is null ? HttpMethod.Get : HttpMethod.Post, path) { Content = content };
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(CultureInfo.InvariantCulture));
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new FabricApiException($"cannot reach {_server}: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FabricApiException($"{_server} did not answer {path} in time");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var error = ErrorOf(body) ?? response.ReasonPhrase;
            var e = new FabricApiException(response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => $"{_server} refused the token (401): {error}; pass --token or set DRIFTFABRIC_TOKEN",
                HttpStatusCode.Forbidden => $"{_server} refused (403): {error}",
                _ => $"{_server} answered {(int)response.StatusCode}: {error}",
            });
            e.Data["status"] = response.StatusCode;
            throw e;
        }
    }

    /// <summary>What an error says: a problem's <c>detail</c> (RFC 9457, every error answer), or the <c>error</c> of an event stream's error event.</summary>
    private static string? ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object ? null
                : root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()
                : root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
