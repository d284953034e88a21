using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Benchmarks;

/// <summary>
/// What a proxy grain spends per poll besides the read: hashing an unchanged answer (the steady
/// case), and judging the real Istio sidecar dumps (tests/TestData/envoy, ~55 KB each) and a Caddy
/// config when something changed.
/// </summary>
[MemoryDiagnoser]
public class ProxyBenchmarks
{
    private static readonly Engine.Manifests.ResourceKey Sidecar = ProxyComparison.Resource(ProxyKind.Envoy, "reviews-v3");
    private static readonly Engine.Manifests.ResourceKey Edge = ProxyComparison.Resource(ProxyKind.Caddy, "edge");
    private byte[] _expected = null!;
    private byte[] _drifted = null!;
    private byte[] _full = null!;
    private byte[] _caddy = null!;
    private byte[] _caddyDrifted = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "envoy");
        _expected = File.ReadAllBytes(Path.Combine(dir, "sidecar-expected.json"));
        _drifted = File.ReadAllBytes(Path.Combine(dir, "sidecar-actual-drifted.json"));
        _full = File.ReadAllBytes(Path.Combine(dir, "sidecar-full-config-dump.json"));
        const string Caddy = """
            {"apps":{"http":{"servers":{"srv0":{"listen":[":443"],"routes":[
              {"@id":"ops","match":[{"path":["/ops/*"]}],"handle":[{"handler":"headers","request":{"set":{"X-Auth-User":["ops"]}}},{"handler":"static_response","body":"ops"}]},
              {"@id":"api","match":[{"path":["/api/*"]}],"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"10.0.0.1:9001"},{"dial":"10.0.0.2:9001"}]}]},
              {"handle":[{"handler":"static_response","body":"ok"}]}]}}}}}
            """;
        _caddy = System.Text.Encoding.UTF8.GetBytes(Caddy);
        _caddyDrifted = System.Text.Encoding.UTF8.GetBytes(Caddy.Replace("10.0.0.2:9001", "10.0.0.9:9001", StringComparison.Ordinal));
    }

    /// <summary>A poll whose answer did not change: one hash over the full dump, no parsing.</summary>
    [Benchmark]
    public UInt128 UnchangedPollFullDump() => XxHash128.HashToUInt128(_full);

    /// <summary>Reading one full dump into a tree: half of what judging it in sync needs.</summary>
    [Benchmark]
    public int ParseFullDump() => ProxyComparison.Json(_full, "live").Count;

    [Benchmark]
    public int EnvoyFullDumpInSync() => ProxyComparison.Compare(ProxyKind.Envoy, Sidecar, _full, "desired", _full, "live").Count;

    [Benchmark]
    public int EnvoyDriftedSidecar() => ProxyComparison.Compare(ProxyKind.Envoy, Sidecar, _expected, "desired", _drifted, "live").Count;

    [Benchmark]
    public int CaddyOneUpstreamSwapped() => ProxyComparison.Compare(ProxyKind.Caddy, Edge, _caddy, "desired", _caddyDrifted, "live").Count;
}
