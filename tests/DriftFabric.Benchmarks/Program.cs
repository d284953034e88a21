using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using DriftFabric.Benchmarks;
using DriftFabric.Engine;
using DriftFabric.Engine.Manifests;

// `engine [--copies N]` and `latency --resources N --changes-per-second R [--seconds S]`:
// timed runs that print a JSON line last. Anything else goes to BenchmarkDotNet
// (e.g. `--filter *EngineBenchmarks*`).
if (args.Length > 0 && args[0] == "engine")
{
    return EngineRun(Option(args, "--copies", 250));
}

if (args.Length > 0 && args[0] == "latency")
{
    return await LatencyBenchmark.RunAsync(Option(args, "--resources", 10_000), Option(args, "--changes-per-second", 100), Option(args, "--seconds", 30));
}

BenchmarkSwitcher.FromAssembly(typeof(EngineBenchmarks).Assembly).Run(args);
return 0;

static int Option(string[] args, string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static int EngineRun(int copies)
{
    var workload = Workload.Create(copies);
    var engine = new DriftEngine();
    engine.Check(workload.Desired, workload.Live); // warm up the JIT

    var parse = Stopwatch.StartNew();
    var desired = new ManifestSet();
    ManifestLoader.LoadBytesInto("desired.yaml", workload.DesiredYaml, desired);
    var live = new ManifestSet();
    ManifestLoader.LoadBytesInto("live.json", workload.LiveJson, live);
    parse.Stop();

    GC.Collect();
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var check = Stopwatch.StartNew();
    var result = engine.Check(desired.Manifests, live.Manifests);
    check.Stop();
    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

    var resources = result.Resources.Count;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"bench\":\"engine\",\"resources\":{resources},\"drifts\":{result.Drifts.Count},\"parse_s\":{parse.Elapsed.TotalSeconds:0.000},"
        + $"\"check_s\":{check.Elapsed.TotalSeconds:0.000},\"resources_per_s\":{resources / check.Elapsed.TotalSeconds:0},"
        + $"\"alloc_bytes_per_resource\":{allocated / Math.Max(1, resources)}}}"));
    return result.Drifts.Count == 7 * copies ? 0 : 1;
}
