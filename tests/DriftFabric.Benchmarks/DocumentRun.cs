using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace DriftFabric.Benchmarks;

/// <summary>
/// <c>engine</c>: runs <see cref="DocumentBenchmarks"/> with BenchmarkDotNet and prints one JSON
/// line last, in nanoseconds per document, with the ratio of the slower compare to parsing alone.
/// </summary>
internal static class DocumentRun
{
    public static int Run()
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(20).WithId("engine"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summary = BenchmarkRunner.Run<DocumentBenchmarks>(config);
        // The median: one GC or a noisy neighbour in an iteration does not move it.
        double Median(string method) => summary.Reports
            .Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)
            .ResultStatistics?.Median ?? double.NaN;

        var parse = Median(nameof(DocumentBenchmarks.ParseOnly));
        var inSync = Median(nameof(DocumentBenchmarks.ParseAndCompareInSync));
        var drifted = Median(nameof(DocumentBenchmarks.ParseAndCompareDrifted));
        var ratio = Math.Max(inSync, drifted) / parse;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"engine\",\"docs\":{DocumentWorkload.OperationsFor50Apps},\"parse_ns\":{parse:0},\"insync_ns\":{inSync:0},\"drifted_ns\":{drifted:0},\"ratio\":{ratio:0.00}}}"));
        return double.IsNaN(ratio) ? 1 : 0;
    }
}
