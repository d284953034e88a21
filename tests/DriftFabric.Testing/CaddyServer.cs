using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace DriftFabric.Testing;

/// <summary>
/// A real Caddy (the Debian <c>caddy</c> package) on free loopback ports: its admin API and one HTTP
/// server, with the config it was started with; stopped and its files removed on dispose.
/// </summary>
public sealed class CaddyServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private CaddyServer(ChildProcess process, Uri admin, string configPath)
    {
        _process = process;
        Admin = admin;
        ConfigPath = configPath;
    }

    /// <summary>
    /// A config for tests: an auth-header route (<c>@id ops</c>), a reverse proxy with two upstreams
    /// (<c>@id api</c>), and a catch-all answering "ok" to anything (so not a config).
    /// </summary>
    public const string ExampleConfig = """
        {
          "admin": { "listen": "@ADMIN", "config": { "persist": false } },
          "apps": { "http": { "servers": { "srv0": {
            "listen": ["@HTTP"],
            "automatic_https": { "disable": true },
            "routes": [
              { "@id": "ops", "match": [{ "path": ["/ops/*"] }],
                "handle": [{ "handler": "headers", "request": { "set": { "X-Auth-User": ["ops"] } } }, { "handler": "static_response", "body": "ops" }] },
              { "@id": "api", "match": [{ "path": ["/api/*"] }],
                "handle": [{ "handler": "reverse_proxy", "upstreams": [{ "dial": "127.0.0.1:9001" }, { "dial": "127.0.0.1:9002" }] }] },
              { "handle": [{ "handler": "static_response", "body": "ok", "status_code": 200 }] }
            ]
          } } } }
        }
        """;

    /// <summary>The admin API (<c>http://127.0.0.1:port/</c>).</summary>
    public Uri Admin { get; }

    /// <summary>The config Caddy was started with, on disk: the desired state of a test.</summary>
    public string ConfigPath { get; }

    /// <summary>
    /// Starts Caddy with <paramref name="config"/>, whose <c>@ADMIN</c> and <c>@HTTP</c> become the admin
    /// and server addresses; returns once the admin API answers.
    /// </summary>
    public static async Task<CaddyServer> StartAsync(string config)
    {
        var dir = new TempDirectory("driftfabric-caddy-");
        var admin = $"127.0.0.1:{LoopbackPorts.Free()}";
        var text = config.Replace("@ADMIN", admin, StringComparison.Ordinal).Replace("@HTTP", $"127.0.0.1:{LoopbackPorts.Free()}", StringComparison.Ordinal);
        var configPath = dir.PathOf("caddy.json");
        await File.WriteAllTextAsync(configPath, text, new UTF8Encoding(false));
        // Caddy keeps its data and autosaved config under these: the test's own folder.
        var process = ChildProcess.Start("caddy", ["run", "--config", configPath], dir, new Dictionary<string, string>
        {
            ["XDG_DATA_HOME"] = dir.PathOf("data"),
            ["XDG_CONFIG_HOME"] = dir.PathOf("config"),
            ["HOME"] = dir.Root,
        });
        var server = new CaddyServer(process, new Uri($"http://{admin}/"), configPath);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await process.WaitUntilReadyAsync(
                async () =>
                {
                    try
                    {
                        using var response = await http.GetAsync(new Uri(server.Admin, "config/"));
                        return response.IsSuccessStatusCode;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return false;
                    }
                },
                $"caddy's admin API at {admin}");
        }
        catch (InvalidOperationException)
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Changes the running config through the admin API, as an operator would (<c>PATCH /config/path</c>).</summary>
    public Task PatchAsync(string path, string json) => SendAsync(HttpMethod.Patch, path, json);

    /// <summary><c>PUT /config/path</c>: creates, or inserts into an array at the index the path ends with.</summary>
    public Task PutAsync(string path, string json) => SendAsync(HttpMethod.Put, path, json);

    /// <summary><c>DELETE /config/path</c> or <c>/id/...</c>.</summary>
    public Task DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    /// <summary>Loads a whole config again (<c>POST /load</c>): putting things back.</summary>
    public Task LoadAsync(string json) => SendAsync(HttpMethod.Post, "load", json);

    public async Task<JsonNode> ConfigAsync()
    {
        using var http = new HttpClient();
        return (await http.GetFromJsonAsync<JsonNode>(new Uri(Admin, "config/")))!;
    }

    private async Task SendAsync(HttpMethod method, string path, string? json)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(Admin, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"caddy {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
