using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
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
/// <c>fleet --tenants T --clusters C --resources N [--silos S] [--drift-share F]</c>: generates a
/// fleet on disk (desired YAML and live snapshots, a share of resources drifted by hand), starts
/// a redis-server and S silos on it in this process, loads the fleet, runs a full resync (every
/// cluster re-reads its sources, every service judges its whole state again), and prints one JSON
/// line last with times, memory per resource, drifts found against drifts made, and the call
/// rate of the busiest grain during the resync.
/// </summary>
internal static class FleetBenchmark
{
    public static async Task<int> RunAsync(int tenants, int clusters, int resources, int silos, double driftShare)
    {
        var root = Directory.CreateTempSubdirectory("driftfabric-fleet-bench-");
        try
        {
            var generate = Stopwatch.StartNew();
            var expected = Generate(root.FullName, tenants, clusters, resources, driftShare);
            Console.Error.WriteLine($"generated {resources} resources in {clusters} clusters of {tenants} tenants ({expected} drifted) in {generate.Elapsed.TotalSeconds:0.0}s");

            await using var redis = await RedisServer.StartAsync();
            var calls = new CallCounter();
            var hosts = new List<IHost>();
            for (var i = 0; i < silos; i++)
            {
                hosts.Add(Silo(redis.Endpoint, calls));
            }

            await Task.WhenAll(hosts.Select(h => h.StartAsync()));
            var grains = hosts[0].Services.GetRequiredService<IGrainFactory>();
            var loader = new FleetLoader(grains);
            var spec = Path.Combine(root.FullName, "driftfabric.yaml");

            using var sampler = new PeakSampler(() => GC.GetTotalMemory(forceFullCollection: false));
            var load = Stopwatch.StartNew();
            var loaded = await loader.LoadAsync(spec);
            load.Stop();
            if (loaded.Errors.Count > 0)
            {
                Console.Error.WriteLine(string.Join('\n', loaded.Errors));
                return 1;
            }

            Console.Error.WriteLine($"loaded in {load.Elapsed.TotalSeconds:0.0}s; resync...");
            var keys = Enumerable.Range(0, clusters).Select(c => ClusterKeys.Of(Tenant(c % tenants), Cluster(c))).ToList();
            calls.Start();
            var resync = Stopwatch.StartNew();
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (key, _) => await grains.GetGrain<IClusterGrain>(key).Resync());
            resync.Stop();
            var (busiest, busiestCalls) = calls.Stop();

            // Roll-ups reach the tenants as cluster reports; read them from the clusters directly.
            var found = 0L;
            var tracked = 0L;
            foreach (var key in keys)
            {
                var summary = (await grains.GetGrain<IClusterGrain>(key).GetSummary()).Summary;
                found += summary.Drifts;
                tracked += summary.Resources;
            }

            var peakHeap = sampler.Stop();
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            var redisUsed = await redis.UsedMemoryAsync();
            var redisPeak = long.Parse(InfoField(await redis.CommandAsync("INFO", "memory"), "used_memory_peak"), CultureInfo.InvariantCulture);
            var sample = $"driftfabric/state/driftfabric.service/{Tenant(0)}/{Cluster(0)}/shop-0/app-0/service";
            Console.Error.WriteLine($"redis keys {await redis.CommandAsync("DBSIZE")}; a service's state ({FleetGenerator.ResourcesPerApp} resources): {await redis.CommandAsync("MEMORY", "USAGE", sample)} bytes; "
                + $"type {await redis.CommandAsync("TYPE", sample)}");
            var info = await redis.CommandAsync("INFO", "memory");
            Console.Error.WriteLine(string.Join(", ", new[] { "used_memory_dataset", "used_memory_overhead", "mem_aof_buffer", "mem_clients_normal", "allocator_frag_bytes" }.Select(f => f + "=" + InfoField(info, f))));
            Console.Error.WriteLine($"tracked {tracked} resources; heap {heap / 1048576} MiB (peak {peakHeap / 1048576} MiB), redis {redisUsed / 1048576} MiB (peak {redisPeak / 1048576} MiB); busiest grain {busiest}");

            foreach (var host in hosts)
            {
                await host.StopAsync();
                host.Dispose();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"fleet\",\"resources\":{resources},\"clusters\":{clusters},\"silos\":{silos},\"load_s\":{load.Elapsed.TotalSeconds:0.00},"
                + $"\"resync_s\":{resync.Elapsed.TotalSeconds:0.00},\"resources_per_s\":{resources / resync.Elapsed.TotalSeconds:0},"
                + $"\"bytes_per_resource\":{(heap + redisUsed) / resources},\"peak_bytes_per_resource\":{(Math.Max(peakHeap, heap) + redisPeak) / resources},"
                + $"\"drifts_found\":{found},\"drifts_expected\":{expected},\"busiest_grain_calls_per_s\":{busiestCalls / resync.Elapsed.TotalSeconds:0}}}"));
            return found == expected && tracked == resources ? 0 : 2;
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string Tenant(int t) => "tenant-" + t.ToString(CultureInfo.InvariantCulture);

    private static string Cluster(int c) => "cluster-" + c.ToString(CultureInfo.InvariantCulture);

    private static string InfoField(string info, string field) =>
        info.Split("\r\n").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..];

    /// <summary>Writes the fleet and returns how many resources were drifted (each has exactly one drift).</summary>
    private static long Generate(string root, int tenants, int clusters, int resources, double driftShare)
    {
        var spec = new StringBuilder("apiVersion: driftfabric.io/v1alpha1\nkind: Fleet\ntenants:\n");
        var byTenant = Enumerable.Range(0, clusters).GroupBy(c => c % tenants).OrderBy(g => g.Key);
        foreach (var tenant in byTenant)
        {
            spec.Append(CultureInfo.InvariantCulture, $"- name: {Tenant(tenant.Key)}\n  clusters:\n");
            foreach (var c in tenant)
            {
                spec.Append(CultureInfo.InvariantCulture, $"  - name: {Cluster(c)}\n    desired: {Cluster(c)}/desired\n    live: {{ snapshot: {Cluster(c)}/live.json }}\n    pollInterval: 10m\n");
            }
        }

        File.WriteAllText(Path.Combine(root, "driftfabric.yaml"), spec.ToString());
        var drifted = 0L;
        var threshold = (ulong)(driftShare * 1_000_000);
        var counts = Enumerable.Range(0, clusters).Select(c => resources / clusters + (c < resources % clusters ? 1 : 0)).ToArray();
        var lockObject = new object();
        Parallel.For(0, clusters, c =>
        {
            var dir = Path.Combine(root, Cluster(c));
            Directory.CreateDirectory(Path.Combine(dir, "desired"));
            using var desired = new StreamWriter(Path.Combine(dir, "desired", "apps.yaml"), false, new UTF8Encoding(false), 1 << 16);
            using var live = new StreamWriter(Path.Combine(dir, "live.json"), false, new UTF8Encoding(false), 1 << 16);
            live.Write("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
            var written = 0;
            var localDrifted = 0L;
            for (var app = 0; written < counts[c]; app++)
            {
                var ns = "shop-" + (app % 4).ToString(CultureInfo.InvariantCulture);
                var name = "app-" + app.ToString(CultureInfo.InvariantCulture);
                var id = ((ulong)c << 32) | (uint)app;
                foreach (var r in FleetGenerator.App(ns, name, app % 7, i => Mix(id * 8 + (ulong)i) % 1_000_000 < threshold))
                {
                    if (written == counts[c])
                    {
                        break;
                    }

                    desired.Write(r.DesiredYaml);
                    live.Write(written == 0 ? "\n" : ",\n");
                    live.Write(r.LiveJson);
                    localDrifted += r.Drifted ? 1 : 0;
                    written++;
                }
            }

            live.Write("]}\n");
            lock (lockObject)
            {
                drifted += localDrifted;
            }
        });
        return drifted;
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        return x ^ (x >> 33);
    }

    private static IHost Silo(string redis, CallCounter calls)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.ConfigureEndpoints(IPAddress.Loopback, LoopbackPorts.Free(), LoopbackPorts.Free());
            silo.AddDriftFabricRedis(redis);
            silo.AddIncomingGrainCallFilter(async context =>
            {
                calls.Count(context.TargetId);
                await context.Invoke();
            });
        });
        return builder.Build();
    }


    /// <summary>Calls per grain while counting is on.</summary>
    private sealed class CallCounter
    {
        private readonly ConcurrentDictionary<GrainId, int> _calls = new();
        private volatile bool _on;

        public void Count(GrainId grain)
        {
            if (_on)
            {
                _calls.AddOrUpdate(grain, 1, (_, n) => n + 1);
            }
        }

        public void Start()
        {
            _calls.Clear();
            _on = true;
        }

        public (string Grain, int Calls) Stop()
        {
            _on = false;
            var top = _calls.OrderByDescending(kv => kv.Value).FirstOrDefault();
            return (top.Key.ToString(), top.Value);
        }
    }
}
