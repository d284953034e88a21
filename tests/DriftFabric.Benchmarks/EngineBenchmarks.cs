using BenchmarkDotNet.Attributes;
using DriftFabric.Engine;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Benchmarks;

/// <summary>Parsing and comparison on the Online Boutique incident (41 resources a copy).</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private Workload _workload = null!;
    private DriftEngine _engine = null!;

    [Params(1, 10)]
    public int Copies { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = Workload.Create(Copies);
        _engine = new DriftEngine();
    }

    [Benchmark]
    public int ParseDesiredYaml()
    {
        var set = new ManifestSet();
        ManifestLoader.LoadBytesInto("desired.yaml", _workload.DesiredYaml, set);
        return set.Manifests.Count;
    }

    [Benchmark]
    public int ParseLiveJson()
    {
        var set = new ManifestSet();
        ManifestLoader.LoadBytesInto("live.json", _workload.LiveJson, set);
        return set.Manifests.Count;
    }

    [Benchmark]
    public int Check() => _engine.Check(_workload.Desired, _workload.Live).Drifts.Count;
}
