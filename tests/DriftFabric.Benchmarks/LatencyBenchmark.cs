using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Silo.Hosting;
using DriftFabric.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Benchmarks;

/// <summary>
/// `latency --resources N --changes-per-second R [--seconds S]`: N resources served by the
/// in-process API server and watched by an embedded fabric; R hand-made changes a second for S
/// seconds at the API server; for each, the time until a reader of the tenant's log has its drift event.
/// </summary>
public static class LatencyBenchmark
{
    private const int Namespaces = 20;

    public static async Task<int> RunAsync(int resources, int changesPerSecond, int seconds)
    {
        var work = Directory.CreateTempSubdirectory("driftfabric-latency-");
        await using var server = await KubeApiServer.StartAsync();
        try
        {
            var load = Stopwatch.StartNew();
            var names = Populate(server, work.FullName, resources);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "kube.yaml"), server.KubeConfig());
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "driftfabric.yaml"), """
                apiVersion: driftfabric.io/v1alpha1
                kind: Fleet
                tenants:
                - name: bench
                  clusters:
                  - name: prod
                    desired: desired
                    live: { kubeconfig: kube.yaml, context: test, qps: 1000, burst: 1000 }
                    pollInterval: 10m
                """);

            using var host = Silo();
            await host.StartAsync();
            var client = host.Services.GetRequiredService<IClusterClient>();
            var loaded = await new FleetLoader(client).LoadAsync(Path.Combine(work.FullName, "driftfabric.yaml"));
            var summary = loaded.Tenants.Single().Summary;
            if (summary.Resources != resources || summary.Drifts != 0)
            {
                Console.Error.WriteLine($"loaded {summary.Resources} resources with {summary.Drifts} drifts, expected {resources} in sync: {string.Join("; ", loaded.Tenants.Single().Clusters.SelectMany(c => c.Status.Errors))}");
                return 1;
            }

            Console.Error.WriteLine($"loaded {resources} resources in {load.Elapsed.TotalSeconds:0.0} s");
            var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var latencies = new ConcurrentBag<double>();
            var detection = new ConcurrentBag<double>();
            var sentAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            // Events are read as every consumer reads them: from the tenant's durable log, by a
            // reader the append wakes (the API's event streams, the CLI and webhooks do the same).
            var received = new ConcurrentDictionary<DriftEventType, int>();
            var from = (await client.GetGrain<ITenantGrain>("bench").GetSummary()).LastSequence;
            using var stopReading = new CancellationTokenSource();
            var reader = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.ReadEventsAsync("bench", from, cancellationToken: stopReading.Token))
                    {
                        received.AddOrUpdate(e.Type, 1, (_, n) => n + 1);
                        var id = $"{e.Drift.Resource}={e.Drift.Live}";
                        if (e.Type != DriftEventType.Resolved && sent.TryRemove(id, out var at))
                        {
                            latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                            if (sentAt.TryRemove(id, out var wall))
                            {
                                detection.Add((e.At - wall).TotalMilliseconds);
                            }
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });

            var changes = await MakeChangesAsync(server, names, changesPerSecond, seconds, sent, sentAt);
            using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                while (!sent.IsEmpty && !drain.IsCancellationRequested)
                {
                    await Task.Delay(50, CancellationToken.None);
                }
            }

            await stopReading.CancelAsync();
            await reader;
            await host.StopAsync();
            var sorted = latencies.Order().ToArray();
            var detected = detection.Order().ToArray();
            if (detected.Length > 0)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"detection (change to event created): p50 {detected[detected.Length / 2]:0.0} ms, p99 {detected[(int)(detected.Length * 0.99)]:0.0} ms"));
            }

            double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
            Console.Error.WriteLine("events received: " + string.Join(", ", received.Select(kv => $"{kv.Key} {kv.Value}")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"latency\",\"resources\":{resources},\"changes\":{changes},\"p50_ms\":{Percentile(0.50):0.0},\"p99_ms\":{Percentile(0.99):0.0},\"max_ms\":{(sorted.Length == 0 ? double.NaN : sorted[^1]):0.0},\"lost\":{sent.Count}}}"));
            return sent.IsEmpty ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Writes the desired state and puts the same objects on the API server as `kubectl apply` would.</summary>
    private static List<(string Namespace, string Name)> Populate(KubeApiServer server, string root, int resources)
    {
        var desired = Path.Combine(root, "desired");
        Directory.CreateDirectory(desired);
        var names = new List<(string, string)>(resources);
        var perNamespace = new StringBuilder[Namespaces];
        for (var i = 0; i < resources; i++)
        {
            var ns = $"team-{i % Namespaces:00}";
            var name = $"cfg-{i:000000}";
            var app = $"app-{i / 5:00000}";
            names.Add((ns, name));
            (perNamespace[i % Namespaces] ??= new StringBuilder()).Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {name}
                  namespace: {ns}
                  labels: {"{"}app.kubernetes.io/name: {app}{"}"}
                data:
                  mode: "steady"
                  region: eu-west-1

                """);
            server.Put("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"@NAME","namespace":"@NS","labels":{"app.kubernetes.io/name":"@APP"}},"data":{"mode":"steady","region":"eu-west-1"}}"""
                .Replace("@NAME", name, StringComparison.Ordinal).Replace("@NS", ns, StringComparison.Ordinal).Replace("@APP", app, StringComparison.Ordinal));
        }

        for (var n = 0; n < Namespaces; n++)
        {
            if (perNamespace[n] is { } text)
            {
                File.WriteAllText(Path.Combine(desired, $"team-{n:00}.yaml"), text.ToString());
            }
        }

        return names;
    }

    private static async Task<int> MakeChangesAsync(KubeApiServer server, List<(string Namespace, string Name)> names, int perSecond, int seconds, ConcurrentDictionary<string, long> sent, ConcurrentDictionary<string, DateTimeOffset> sentAt)
    {
        var total = perSecond * seconds;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var (ns, name) = names[Random.Shared.Next(names.Count)];
            var value = $"edit-{i}";
            sent[$"core/ConfigMap/{ns}/{name}=\"{value}\""] = Stopwatch.GetTimestamp();
            sentAt[$"core/ConfigMap/{ns}/{name}=\"{value}\""] = DateTimeOffset.UtcNow;
            server.Edit("v1", "ConfigMap", ns, name, o => o["data"]!["mode"] = value, "kubectl-edit");
        }

        return total;
    }

    private static IHost Silo()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("DRIFTFABRIC_BENCH_LOG") is not null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Orleans", LogLevel.Error).SetMinimumLevel(LogLevel.Warning);
        }

        builder.UseOrleans(silo => silo.UseLocalhostClustering(LoopbackPorts.Free(), LoopbackPorts.Free()).AddDriftFabricEmbedded());
        return builder.Build();
    }
}
