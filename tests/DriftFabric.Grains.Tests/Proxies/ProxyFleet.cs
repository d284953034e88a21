using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Proxies;

/// <summary>A one-cluster fleet whose services (web and api in shop) are fronted by the proxies a test declares.</summary>
internal sealed class ProxyFleet : IDisposable
{
    private readonly IClusterClient _client;

    public ProxyFleet(IClusterClient client, string tenant)
    {
        _client = client;
        Tenant = tenant;
        Files.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredDeployment("api", "shop", 2, "api:1"));
        Files.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1"), Objects.Deployment("api", "shop", 2, "api:1")));
    }

    public TempFleet Files { get; } = new();

    public string Tenant { get; }

    public IClusterGrain Cluster => _client.GetGrain<IClusterGrain>(ClusterKeys.Of(Tenant, "prod"));

    public IServiceGrain Service(string name) => _client.GetGrain<IServiceGrain>($"{Tenant}/prod/shop/{name}");

    public IProxyGrain Proxy(string name) => _client.GetGrain<IProxyGrain>(ProxyKeys.Of(Tenant, "prod", name));

    /// <summary>The status of a proxy the fleet declares.</summary>
    public async Task<ProxyStatus> StatusAsync(string name) => await Proxy(name).GetStatus() ?? throw new InvalidOperationException($"proxy {name} is not configured");

    /// <summary>A real sidecar's config dump of the test data (<c>tests/TestData/envoy</c>).</summary>
    public static string EnvoyDump(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "envoy", name));

    /// <summary>Writes the spec with these proxy entries (YAML list items under <c>proxies:</c>) and loads it.</summary>
    public Task<FleetLoadResult> LoadAsync(params string[] proxies)
    {
        var list = proxies.Length == 0 ? " []" : "\n" + string.Join("\n", proxies.Select(p => "      - " + p.ReplaceLineEndings("\n        ")));
        Files.Write("driftfabric.yaml", $"""
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: {Tenant}
              clusters:
              - name: prod
                desired: desired
                live: {"{"} snapshot: live.json {"}"}
                pollInterval: 10m
                proxies:{list}
            """);
        return new FleetLoader(_client).LoadAsync(Files.SpecPath);
    }

    public void Dispose() => Files.Dispose();
}
