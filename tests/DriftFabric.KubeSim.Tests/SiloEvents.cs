using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace DriftFabric.KubeSim.Tests;

/// <summary>A tenant's events as a silo's HTTP API streams them (Server-Sent Events), from the moment of connecting.</summary>
public sealed class SiloEvents : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SiloEvents(HttpClient http, HttpResponseMessage response, StreamReader reader)
    {
        _http = http;
        _response = response;
        _reader = reader;
    }

    /// <summary>The line a silo prints first, <c>api: URL token: T</c>: its API's address and the token it made.</summary>
    public static (Uri Api, string Token) ParseApiLine(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (new Uri(parts[Array.IndexOf(parts, "api:") + 1].TrimEnd('/') + "/"), parts[Array.IndexOf(parts, "token:") + 1]);
    }

    public static async Task<SiloEvents> OpenAsync(Uri api, string token, string tenant)
    {
        var http = new HttpClient { BaseAddress = api, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.GetAsync($"api/v1/tenants/{tenant}/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new SiloEvents(http, response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The next event whose drift is at <paramref name="path"/>; fails only when none comes within a minute.</summary>
    public async Task<JsonObject> NextAsync(string path)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var seen = new List<string>();
        try
        {
            while (await _reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    seen.Add(line);
                    var e = JsonNode.Parse(line["data:".Length..])!.AsObject();
                    if (e["drift"]?["path"]?.GetValue<string>() == path)
                    {
                        return e;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"no event at {path} within {Patience.TotalSeconds} s; events seen: {string.Join('\n', seen)}");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
