using DriftFabric.Client;
using System.Globalization;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// A Redis-backed fabric of real processes: a redis-server, silo processes started with
/// <c>--redis</c>, and one in-process Kubernetes API server per watched cluster of tenant
/// <see cref="Tenant"/> (then, optionally, clusters read from snapshot files), each with
/// <see cref="Deployments"/> Deployments (one service each) as Git declares them. The test talks
/// to it through an Orleans client, as any consumer would.
/// </summary>
internal sealed class FabricRig : IAsyncDisposable
{
    public const string Tenant = "acme";
    public const int Deployments = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TempDirectory _dir = new("driftfabric-rig-");
    private IHost? _clientHost;

    private FabricRig(RedisServer redis, IReadOnlyList<KubeApiServer> apis)
    {
        Redis = redis;
        Apis = apis;
    }

    public RedisServer Redis { get; }

    /// <summary>The API servers of the watched clusters, which come first (cluster <c>i</c> watches <c>Apis[i]</c>).</summary>
    public IReadOnlyList<KubeApiServer> Apis { get; }

    /// <summary>Every cluster: the watched ones, then those read from snapshots.</summary>
    public int ClusterCount { get; private set; }

    public List<SiloProcess> Silos { get; } = [];

    public IClusterClient Client { get; private set; } = null!;

    public string Spec => _dir.PathOf("driftfabric.yaml");

    public static string Cluster(int i) => "c" + i.ToString(CultureInfo.InvariantCulture);

    public static string Deployment(int d) => "web-" + d.ToString(CultureInfo.InvariantCulture);

    public static string ServiceKey(int cluster, int d) => $"{Tenant}/{Cluster(cluster)}/shop/{Deployment(d)}";

    public static async Task<FabricRig> StartAsync(int clusters, int silos, int snapshots = 0)
    {
        var redis = await RedisServer.StartAsync();
        var apis = new List<KubeApiServer>();
        for (var i = 0; i < clusters; i++)
        {
            apis.Add(await KubeApiServer.StartAsync());
        }

        var rig = new FabricRig(redis, apis);
        try
        {
            await rig.StartSilosAndClientAsync(clusters, silos, snapshots);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task StartSilosAndClientAsync(int clusters, int silos, int snapshots)
    {
        ClusterCount = clusters + snapshots;
        var rig = this;
        var apis = Apis;
        var spec = new StringBuilder("""
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: acme
              clusters:

            """);
        for (var i = 0; i < clusters; i++)
        {
            var desired = new StringBuilder();
            for (var d = 0; d < Deployments; d++)
            {
                apis[i].Put(Objects.Deployment(Deployment(d), "shop", 2, "web:1", Deployment(d)));
                desired.Append(Objects.DesiredDeployment(Deployment(d), "shop", 2, "web:1"));
            }

            rig.Write($"{Cluster(i)}/desired/app.yaml", desired.ToString());
            rig.Write($"{Cluster(i)}/kube.yaml", apis[i].KubeConfig());
            spec.Append(CultureInfo.InvariantCulture, $"  - name: {Cluster(i)}\n    desired: {Cluster(i)}/desired\n    live: {{ kubeconfig: {Cluster(i)}/kube.yaml, context: test }}\n    pollInterval: 500ms\n");
        }

        for (var i = clusters; i < clusters + snapshots; i++)
        {
            rig.Write($"{Cluster(i)}/desired/app.yaml", string.Concat(Enumerable.Range(0, Deployments).Select(d => Objects.DesiredDeployment(Deployment(d), "shop", 2, "web:1"))));
            rig.WriteSnapshot(i, _ => 2);
            spec.Append(CultureInfo.InvariantCulture, $"  - name: {Cluster(i)}\n    desired: {Cluster(i)}/desired\n    live: {{ snapshot: {Cluster(i)}/live.json }}\n    pollInterval: 500ms\n");
        }

        rig.Write("driftfabric.yaml", spec.ToString());
        await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => rig.AddSiloAsync()));

        var host = Host.CreateApplicationBuilder();
        host.Logging.ClearProviders();
        host.UseOrleansClient(client => client.AddDriftFabricRedisClient(Redis.Endpoint));
        _clientHost = host.Build();
        await _clientHost.StartAsync();
        Client = _clientHost.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>Starts one more silo process on the fabric and waits until it has loaded the fleet.</summary>
    public async Task<SiloProcess> AddSiloAsync()
    {
        // DRIFTFABRIC_RIG_DEBUG=1 has the silos log their own decisions too (for a failing fault test).
        var environment = Environment.GetEnvironmentVariable("DRIFTFABRIC_RIG_DEBUG") == "1"
            ? new Dictionary<string, string> { ["Logging__LogLevel__DriftFabric"] = "Debug" }
            : new Dictionary<string, string>();
        var silo = SiloProcess.Start(environment, "--fleet", Spec, "--redis", Redis.Endpoint, "--address", "127.0.0.1");
        lock (Silos)
        {
            Silos.Add(silo);
        }

        await silo.WaitForLineAsync("Watching desired and live sources");
        return silo;
    }

    public IClusterGrain ClusterGrain(int i) => Client.GetGrain<IClusterGrain>($"{Tenant}/{Cluster(i)}");

    /// <summary>The silo process a cluster's watch runs on (by the silo port in its address).</summary>
    public async Task<SiloProcess> HostOfAsync(int cluster)
    {
        var address = await ClusterGrain(cluster).GetSilo();
        return Silos.Single(s => address.Contains($":{s.SiloPort.ToString(CultureInfo.InvariantCulture)}@", StringComparison.Ordinal)
            || address.Contains($":{s.SiloPort.ToString(CultureInfo.InvariantCulture)}:", StringComparison.Ordinal));
    }

    /// <summary>Each silo the fabric knows of with its status, where each cluster is, and the silos' warnings (for failure messages).</summary>
    public async Task<string> MembershipAsync()
    {
        try
        {
            var hosts = await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
            var clusters = new List<string>();
            for (var i = 0; i < Apis.Count; i++)
            {
                try
                {
                    clusters.Add($"{Cluster(i)} on {await ClusterGrain(i).GetSilo().WaitAsync(TimeSpan.FromSeconds(5))} ({Apis[i].OpenWatches} watches)");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    clusters.Add($"{Cluster(i)}: {e.GetType().Name} {e.Message}");
                }
            }

            var warnings = Warnings();
            return string.Join(", ", hosts.Select(h => $"{h.Key} {h.Value}")) + "; killed: "
                + string.Join(", ", Silos.Where(s => s.HasExited).Select(s => s.SiloPort)) + "\nclusters: " + string.Join("; ", clusters)
                + "\nwarnings:\n" + string.Join('\n', warnings);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return "unknown (" + e.Message + ")";
        }
    }

    /// <summary>The last warnings and errors of each running silo (for failure messages that cannot ask the fabric).</summary>
    public string Warnings()
    {
        if (Environment.GetEnvironmentVariable("DRIFTFABRIC_RIG_DEBUG") == "1")
        {
            foreach (var silo in Silos)
            {
                File.WriteAllLines(Path.Combine(Path.GetTempPath(), $"rig-silo-{silo.SiloPort}.log"), silo.Output);
            }
        }

        return string.Join('\n', Silos.Where(s => !s.HasExited)
            .SelectMany(s => s.Output.Where(l => l.Contains("warn", StringComparison.Ordinal) || l.Contains("fail", StringComparison.Ordinal)).TakeLast(15).Select(l => $"[{s.SiloPort}] {l}")));
    }

    /// <summary>Writes a snapshot cluster's live file: its Deployments with the replicas <paramref name="replicasOf"/> gives each (2 is what Git says).</summary>
    public void WriteSnapshot(int cluster, Func<int, int> replicasOf) =>
        Write($"{Cluster(cluster)}/live.json", Objects.List([.. Enumerable.Range(0, Deployments).Select(d =>
            Objects.Deployment(Deployment(d), "shop", replicasOf(d), "web:1", Deployment(d), manager: replicasOf(d) == 2 ? Objects.Applied : "kubectl-scale"))]));

    /// <summary>Changes a Deployment's image on a cluster's API server, as <c>kubectl set image</c> would.</summary>
    public void SetImage(int cluster, int deployment, string image) =>
        Apis[cluster].Edit("apps/v1", "Deployment", "shop", Deployment(deployment), o => o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image, "kubectl-set");

    /// <summary>Changes a Deployment's replicas on a cluster's API server, as <c>kubectl scale</c> would.</summary>
    public void Scale(int cluster, int deployment, int replicas) =>
        Apis[cluster].Edit("apps/v1", "Deployment", "shop", Deployment(deployment), o => o["spec"]!["replicas"] = replicas, "kubectl-scale");

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="describe"/> when it never does (within the rig's patience: silo processes start slowly on a busy machine).</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, Func<Task<string>> describe, TimeSpan? patience = null) =>
        Eventually.HoldsAsync(condition, describe, patience ?? Patience, TimeSpan.FromMilliseconds(200));

    /// <summary>The drifted services of the tenant as the service grains hold them: key to the replicas they see live.</summary>
    public async Task<Dictionary<string, string>> DriftsAsync()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < ClusterCount; i++)
        {
            for (var d = 0; d < Deployments; d++)
            {
                foreach (var drift in await Client.GetGrain<IServiceGrain>(ServiceKey(i, d)).GetDrifts())
                {
                    result[ServiceKey(i, d)] = drift.Live ?? "-";
                }
            }
        }

        return result;
    }

    /// <summary>Reads the tenant's log through the client from <paramref name="after"/> up to its last event at the time of the call.</summary>
    public async Task<List<DriftEvent>> ReadLogAsync(long after, Action<Exception>? onError = null)
    {
        var last = (await Client.GetGrain<ITenantGrain>(Tenant).ReadEvents(long.MaxValue - 1, 1, TimeSpan.Zero)).Last;
        var events = new List<DriftEvent>();
        if (last <= after)
        {
            return events;
        }

        using var timeout = new CancellationTokenSource(Patience);
        await foreach (var e in Client.ReadEventsAsync(Tenant, after, onError, timeout.Token))
        {
            events.Add(e);
            if (e.Sequence >= last)
            {
                break;
            }
        }

        return events;
    }

    public void Write(string relative, string text) => _dir.Write(relative, text);

    public async ValueTask DisposeAsync()
    {
        // Each step is bounded: a stuck shutdown must not hold up the rest of the suite.
        if (_clientHost is { } clientHost)
        {
            await Bounded("client", async () =>
            {
                await clientHost.StopAsync(TimeSpan.FromSeconds(5));
                clientHost.Dispose();
            });
        }

        foreach (var silo in Silos)
        {
            await Bounded("silo", () => silo.DisposeAsync().AsTask());
        }

        foreach (var api in Apis)
        {
            await Bounded("api server", () => api.DisposeAsync().AsTask());
        }

        await Bounded("redis", () => Redis.DisposeAsync().AsTask());
        try
        {
            _dir.Dispose();
        }
        catch (IOException)
        {
        }
    }

    private static async Task Bounded(string what, Func<Task> step)
    {
        try
        {
            await step().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Console.Error.WriteLine($"rig: stopping the {what} took too long; moving on ({e.Message})");
        }
    }
}
