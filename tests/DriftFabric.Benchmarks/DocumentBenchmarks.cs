using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DriftFabric.Engine;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Benchmarks;

/// <summary>
/// The hot path at the level of one live document: what a watch event costs. The same live
/// documents are parsed alone with <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
/// (the floor: reading the bytes at all), and parsed by the engine and compared with desired
/// state that matches them (in sync) or differs in one field (drifted).
/// </summary>
[MemoryDiagnoser]
public class DocumentBenchmarks
{
    private DocumentWorkload _work = null!;

    [GlobalSetup]
    public void Setup() => _work = DocumentWorkload.Create(apps: 50);

    [Benchmark(Baseline = true, OperationsPerInvoke = DocumentWorkload.OperationsFor50Apps)]
    public int ParseOnly() => _work.ParseOnly();

    [Benchmark(OperationsPerInvoke = DocumentWorkload.OperationsFor50Apps)]
    public int ParseAndCompareInSync() => _work.ParseAndCompare(_work.InSync);

    [Benchmark(OperationsPerInvoke = DocumentWorkload.OperationsFor50Apps)]
    public int ParseAndCompareDrifted() => _work.ParseAndCompare(_work.Drifted);
}

/// <summary>Live documents as a watch delivers them (one JSON object each), with two desired sides.</summary>
public sealed class DocumentWorkload
{
    public const int OperationsFor50Apps = 50 * FleetGenerator.ResourcesPerApp;

    private readonly DriftEngine _engine = new();

    private DocumentWorkload(List<byte[]> live, List<ResourceKey> keys, List<Manifest> inSync, List<Manifest> drifted)
    {
        Live = live;
        Keys = keys;
        InSync = inSync;
        Drifted = drifted;
    }

    public List<byte[]> Live { get; }

    public List<ResourceKey> Keys { get; }

    public List<Manifest> InSync { get; }

    public List<Manifest> Drifted { get; }

    public static DocumentWorkload Create(int apps, string? kind = null)
    {
        var live = new List<byte[]>();
        var keys = new List<ResourceKey>();
        var inSync = new List<Manifest>();
        var drifted = new List<Manifest>();
        for (var a = 0; a < apps; a++)
        {
            foreach (var r in FleetGenerator.App("shop", $"app-{a}", a % 7, _ => false).Where(r => kind is null || r.Kind == kind))
            {
                live.Add(Encoding.UTF8.GetBytes(r.LiveJson));
                var desired = Desired(r.DesiredYaml);
                inSync.Add(desired);
                drifted.Add(Desired(DriftOneField(r.DesiredYaml)));
                keys.Add(new ResourceKey(desired.Group.Length == 0 ? "core" : desired.Group, desired.Kind, desired.Namespace ?? "default", desired.Name));
            }
        }

        var work = new DocumentWorkload(live, keys, inSync, drifted);
        if (work.ParseAndCompare(inSync) != 0 || work.ParseAndCompare(drifted) < live.Count)
        {
            throw new InvalidOperationException($"workload is off: {work.ParseAndCompare(inSync)} drifts in sync, {work.ParseAndCompare(drifted)} drifted for {live.Count} documents");
        }

        return work;
    }

    /// <summary>Where the time of one pass goes: the engine's own parse, and the compare of parsed documents.</summary>
    public (double ParseNs, double CompareNs) Profile(int rounds, bool drifted = false)
    {
        var documents = Live.Select(d => JsonDocument.Parse(d)).ToList();
        var parsed = documents.Select(d => new Manifest(d.RootElement, new SourceLocation("live", 0))).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
        {
            foreach (var doc in Live)
            {
                using var _ = JsonDocument.Parse(doc);
            }
        }

        var parse = watch.Elapsed.TotalNanoseconds / rounds / Live.Count;
        watch.Restart();
        for (var r = 0; r < rounds; r++)
        {
            for (var i = 0; i < Live.Count; i++)
            {
                _engine.CompareResource(Keys[i], drifted ? Drifted[i] : InSync[i], parsed[i]);
            }
        }

        var compare = watch.Elapsed.TotalNanoseconds / rounds / Live.Count;
        if (Environment.GetEnvironmentVariable("DRIFTFABRIC_BENCH_KINDS") == "1")
        {
            foreach (var group in Enumerable.Range(0, Live.Count).GroupBy(i => Keys[i].Kind))
            {
                var inSync = NanosecondsPer(group, rounds, i => _engine.CompareResource(Keys[i], InSync[i], parsed[i]));
                var driftedNs = NanosecondsPer(group, rounds, i => _engine.CompareResource(Keys[i], Drifted[i], parsed[i]));
                var parseNs = NanosecondsPer(group, rounds, i => JsonDocument.Parse(Live[i]).Dispose());
                Console.WriteLine($"{group.Key}: parse {parseNs:0} in sync {inSync:0} drifted {driftedNs:0} ns, {Live[group.First()].Length} bytes");
            }
        }

        documents.ForEach(d => d.Dispose());
        return (parse, compare);
    }

    private static double NanosecondsPer(IGrouping<string, int> documents, int rounds, Action<int> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
        {
            foreach (var i in documents)
            {
                run(i);
            }
        }

        return watch.Elapsed.TotalNanoseconds / rounds / documents.Count();
    }

    /// <summary>
    /// The three workloads of <see cref="DocumentBenchmarks"/> taken in turn, round after round,
    /// so that a machine that slows down or speeds up moves all three alike; medians per document.
    /// </summary>
    public (double ParseNs, double InSyncNs, double DriftedNs) Interleaved(int rounds) => Interleaved(rounds, [.. Enumerable.Range(0, Live.Count)]);

    /// <summary>As <see cref="Interleaved(int)"/>, kind by kind: where the cost of a drift is.</summary>
    public List<(string Kind, double ParseNs, double InSyncNs, double DriftedNs)> InterleavedByKind(int rounds)
    {
        // Every kind's paths run first, long enough for the JIT to finish with them: a kind
        // measured first would otherwise pay for code the later ones find compiled.
        Interleaved(rounds);
        return [.. Enumerable.Range(0, Live.Count).GroupBy(i => Keys[i].Kind).Select(kind =>
        {
            var (parse, inSync, drifted) = Interleaved(rounds, [.. kind]);
            return (kind.Key, parse, inSync, drifted);
        })];
    }

    private (double ParseNs, double InSyncNs, double DriftedNs) Interleaved(int rounds, int[] documents)
    {
        Func<int>[] runs = [() => ParseOnly(documents), () => ParseAndCompare(InSync, documents), () => ParseAndCompare(Drifted, documents)];
        var samples = runs.Select(_ => new List<double>()).ToArray();
        for (var round = -5; round < rounds; round++)
        {
            for (var i = 0; i < runs.Length; i++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                for (var k = 0; k < 10; k++)
                {
                    runs[i]();
                }

                if (round >= 0)
                {
                    samples[i].Add(watch.Elapsed.TotalNanoseconds / 10 / documents.Length);
                }
            }
        }

        double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        return (Median(samples[0]), Median(samples[1]), Median(samples[2]));
    }

    /// <summary>The floor: System.Text.Json reading every document.</summary>
    public int ParseOnly()
    {
        var n = 0;
        foreach (var doc in Live)
        {
            using var parsed = JsonDocument.Parse(doc);
            n += parsed.RootElement.GetPropertyCount();
        }

        return n;
    }

    private int ParseOnly(int[] documents)
    {
        var n = 0;
        foreach (var i in documents)
        {
            using var parsed = JsonDocument.Parse(Live[i]);
            n += parsed.RootElement.GetPropertyCount();
        }

        return n;
    }

    /// <summary>What a service does per watched change: hand the engine the live object's JSON and desired state.</summary>
    public int ParseAndCompare(List<Manifest> desired)
    {
        var drifts = 0;
        for (var i = 0; i < Live.Count; i++)
        {
            drifts += _engine.CompareResource(Keys[i], desired[i], Live[i], LiveSource).Count;
        }

        return drifts;
    }

    private int ParseAndCompare(List<Manifest> desired, int[] documents)
    {
        var drifts = 0;
        foreach (var i in documents)
        {
            drifts += _engine.CompareResource(Keys[i], desired[i], Live[i], LiveSource).Count;
        }

        return drifts;
    }

    private static readonly SourceLocation LiveSource = new("live", 0);

    private static Manifest Desired(string yaml)
    {
        var set = new ManifestSet();
        ManifestLoader.LoadBytesInto("desired.yaml", Encoding.UTF8.GetBytes(yaml), set);
        return set.Errors.Count == 0 ? set.Manifests.Single() : throw new InvalidOperationException(string.Join("; ", set.Errors));
    }

    /// <summary>One field of each kind's desired state changed, as a commit would change it.</summary>
    private static string DriftOneField(string yaml) => yaml
        .Replace("replicas: 3", "replicas: 4", StringComparison.Ordinal)
        .Replace("targetPort: 8080", "targetPort: 8081", StringComparison.Ordinal)
        .Replace("ttl: 30s", "ttl: 60s", StringComparison.Ordinal)
        .Replace("api-key: k-", "api-key: new-", StringComparison.Ordinal)
        .Replace("weight: 90", "weight: 80", StringComparison.Ordinal)
        .Replace("mode: ISTIO_MUTUAL", "mode: SIMPLE", StringComparison.Ordinal);
}
