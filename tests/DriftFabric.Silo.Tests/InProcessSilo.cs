using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace DriftFabric.Silo.Tests;

[CollectionDefinition(Name)]
public sealed class InProcessSiloTests : ICollectionFixture<InProcessSilo>
{
    public const string Name = "in-process-silo";
}

/// <summary>
/// The silo's own <c>Program</c> hosted in the test process (<see cref="WebApplicationFactory{TEntryPoint}"/>):
/// the embedded fabric on free loopback ports, the example fleet with an Envoy sidecar, two API
/// tokens, and the HTTP API on an in-memory server. For the API's behaviour, where a separate
/// process is not the point of the test.
/// </summary>
public sealed class InProcessSilo : WebApplicationFactory<Program>, IAsyncLifetime
{
    public TempFleet Fleet { get; } = TempFleet.FromExamples();

    /// <summary>A client of the in-memory API; requests carry their token themselves.</summary>
    public HttpClient Http { get; private set; } = null!;

    private readonly TempDirectory _data = new("driftfabric-silo-data-");

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // Settings the silo reads before it builds its host come in as its arguments (--key=value).
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DriftFabric:Fleet"] = Fleet.SpecPath,
            ["DriftFabric:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DriftFabric:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DriftFabric:SecretDigest:DataDirectory"] = _data.Root,
            ["DriftFabric:Webhook:CaFile"] = Path.Combine(_data.Root, "webhook-ca.crt"),
            ["DriftFabric:Api:Tokens:0:Token"] = ApiSilo.AllTenants,
            ["DriftFabric:Api:Tokens:0:Tenants:0"] = "*",
            ["DriftFabric:Api:Tokens:0:Scopes:0"] = "read",
            ["DriftFabric:Api:Tokens:0:Scopes:1"] = "write",
            ["DriftFabric:Api:Tokens:1:Token"] = ApiSilo.AcmeOnly,
            ["DriftFabric:Api:Tokens:1:Tenants:0"] = "acme",
        }));
        return base.CreateHost(builder);
    }

    public async Task InitializeAsync()
    {
        await ApiSilo.AddSidecarAsync(Fleet);
        Http = CreateClient();
        Http.Timeout = TimeSpan.FromSeconds(30);
        await Eventually.HoldsAsync(
            async () => (await Http.GetAsync("/readyz")).IsSuccessStatusCode,
            () => Task.FromResult("the in-process silo never became ready"));
    }

    public Task<(System.Net.HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)> GetAsync(string path, string? token) => Http.ApiGetAsync(path, token);

    public Task<(System.Net.HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)> PostAsync(string path, string? token, string json) => Http.ApiPostAsync(path, token, json);

    public Task<(System.Net.HttpStatusCode Status, string? MediaType, System.Text.Json.Nodes.JsonNode? Body)> SendAsync(HttpMethod method, string path, string? token, HttpContent? content, params (string Name, string Value)[] headers) =>
        Http.ApiSendAsync(method, path, token, content, headers);

    /// <summary>A client of the in-memory API, with <paramref name="token"/> when given.</summary>
    public HttpClient Client(string? token)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Http.Dispose();
        await base.DisposeAsync();
        Fleet.Dispose();
        _data.Dispose();
    }
}
