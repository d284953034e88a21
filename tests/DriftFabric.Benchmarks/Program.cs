using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using DriftFabric.Benchmarks;
using DriftFabric.Engine;
using DriftFabric.Engine.Manifests;

// `engine`, `engine-interleaved [--rounds N] [--by-kind]`, `engine-check [--copies N]`, `latency --resources N --changes-per-second R [--seconds S]`,
// `fleet --tenants T --clusters C --resources N [--silos S]`, `abuse [--sse N] [--inputs N] [--input-mb N] [--settle S]`,
// `serializers`: runs that print a
// JSON line last. Anything else goes to BenchmarkDotNet (e.g. `--filter *DocumentBenchmarks*`).
if (args.Length > 0 && args[0] == "engine")
{
    return DocumentRun.Run();
}

if (args.Length > 0 && args[0] == "fleet")
{
    var share = Array.IndexOf(args, "--drift-share") is var at and >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : 0.05;
    return await FleetBenchmark.RunAsync(Option(args, "--tenants", 10), Option(args, "--clusters", 100), Option(args, "--resources", 100_000), Option(args, "--silos", 1), share);
}

if (args.Length > 0 && args[0] == "engine-profile")
{
    var work = DocumentWorkload.Create(50, Array.IndexOf(args, "--kind") is var k and >= 0 && k + 1 < args.Length ? args[k + 1] : null);
    var drifted = args.Contains("--drifted");
    work.Profile(50, drifted);
    var (parseNs, compareNs) = work.Profile(Option(args, "--rounds", 200), drifted);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"bench\":\"engine-profile\",\"parse_ns\":{parseNs:0},\"compare_ns\":{compareNs:0}}}"));
    return 0;
}

if (args.Length > 0 && args[0] == "engine-interleaved")
{
    var work = DocumentWorkload.Create(50);
    if (args.Contains("--by-kind"))
    {
        foreach (var (kind, kindParse, kindInSync, kindDrifted) in work.InterleavedByKind(Option(args, "--rounds", 40)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"engine-interleaved\",\"kind\":\"{kind}\",\"parse_ns\":{kindParse:0},\"insync_ns\":{kindInSync:0},\"drifted_ns\":{kindDrifted:0},\"insync_ratio\":{kindInSync / kindParse:0.00},\"drifted_ratio\":{kindDrifted / kindParse:0.00}}}"));
        }
    }

    var (parseNs, inSyncNs, driftedNs) = work.Interleaved(Option(args, "--rounds", 40));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"bench\":\"engine-interleaved\",\"parse_ns\":{parseNs:0},\"insync_ns\":{inSyncNs:0},\"drifted_ns\":{driftedNs:0},\"ratio\":{Math.Max(inSyncNs, driftedNs) / parseNs:0.00}}}"));
    return 0;
}

if (args.Length > 0 && args[0] == "serializers")
{
    return SerializerComparison.Run();
}

if (args.Length > 0 && args[0] == "engine-check")
{
    return EngineRun(Option(args, "--copies", 250));
}

if (args.Length > 0 && args[0] == "abuse")
{
    return await AbuseBenchmark.RunAsync(Option(args, "--sse", 1000), Option(args, "--inputs", 10), Option(args, "--input-mb", 50), Option(args, "--settle", 30));
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
