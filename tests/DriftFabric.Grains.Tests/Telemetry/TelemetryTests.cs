using System.Collections.Concurrent;
using System.Diagnostics;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DriftFabric.Grains.Tests.Telemetry;

/// <summary>
/// Runs alone, after the other tests: each silo's meter is named <c>DriftFabric</c> (one per process
/// in production), and OpenTelemetry merges same-named instruments of every meter in the process
/// into one stream, which ends when any of those meters is disposed. A test cluster shut down
/// beside this one would silently stop the counters read here.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryAlone
{
    public const string Name = "telemetry, alone";
}

/// <summary>The fabric's metrics and traces, read with OpenTelemetry's in-memory exporter from a cluster of two silos.</summary>
[Collection(TelemetryAlone.Name)]
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly InProcessFabric _fabric;

    public TelemetryTests()
    {
        var spans = new SpanCollection(_spans);
        var silos = 0;
        _fabric = new InProcessFabric(configureSilo: silo =>
        {
            // Meters and activity sources are heard process-wide: one silo's exporters hear both
            // silos of this in-process cluster (in production each silo is its own process).
            // Values are read by tenant all the same.
            if (Interlocked.Increment(ref silos) == 1)
            {
                silo.Services.AddOpenTelemetry()
                    .WithMetrics(m => m.AddMeter(FabricMetrics.MeterName).AddInMemoryExporter(_metrics))
                    .WithTracing(t => t.AddSource(FabricTracing.SourceName).AddSource(TelemetrySetup.OrleansSources).AddInMemoryExporter(spans));
            }
        });
    }

    public Task InitializeAsync() => _fabric.StartAsync();

    public async Task DisposeAsync() => await _fabric.DisposeAsync();

    [Fact]
    public async Task Open_drifts_resources_watch_health_published_events_and_detection_latency_are_measured()
    {
        using var fleet = Fleet("telemetry");
        await new FleetLoader(_fabric.Client).LoadAsync(fleet.SpecPath);

        var tenant = ("tenant", "telemetry");
        var metrics = Flush();
        Assert.Equal(1, Gauge(metrics, "driftfabric.drifts.open", tenant, ("severity", "medium")));
        Assert.Equal(1, Gauge(metrics, "driftfabric.drifts.open", tenant, ("severity", "high")));
        Assert.Equal(0, Gauge(metrics, "driftfabric.drifts.open", tenant, ("severity", "critical")));
        Assert.Equal(2, Gauge(metrics, "driftfabric.resources.tracked", tenant));
        Assert.Equal(1, Gauge(metrics, "driftfabric.watch.healthy", tenant, ("state", "ok")));
        Assert.Equal(2, Sum(metrics, "driftfabric.events.published", tenant, ("type", "opened")));
        Assert.Equal(2, HistogramCount(metrics, "driftfabric.detection.duration", tenant));

        // The web Deployment is put back: one drift resolves, the gauges follow.
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1"), Objects.Deployment("api", "shop", 2, "api:1")));
        await _fabric.Client.GetGrain<IClusterGrain>("telemetry/prod").Reload();
        metrics = Flush();
        Assert.Equal(0, Gauge(metrics, "driftfabric.drifts.open", tenant, ("severity", "medium")));
        Assert.Equal(1, Sum(metrics, "driftfabric.events.published", tenant, ("type", "resolved")));
        Assert.Equal(3, HistogramCount(metrics, "driftfabric.detection.duration", tenant));
    }

    [Fact]
    public async Task A_reload_traces_through_the_service_that_judges_it_to_the_tenant_that_logs_it()
    {
        using var fleet = Fleet("traced");
        await new FleetLoader(_fabric.Client).LoadAsync(fleet.SpecPath);
        _spans.Clear();

        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 9, "web:1", manager: "kubectl-scale"), Objects.Deployment("api", "shop", 2, "api:1")));
        await _fabric.Client.GetGrain<IClusterGrain>("traced/prod").Reload();
        foreach (var silo in _fabric.Cluster.Silos)
        {
            silo.ServiceProvider.GetService<TracerProvider>()?.ForceFlush();
        }

        var reload = Assert.Single(_spans, s => s.OperationName == "driftfabric.cluster.reload" && (string?)s.GetTagItem("driftfabric.cluster") == "traced/prod");
        var trace = _spans.Where(s => s.TraceId == reload.TraceId).ToList();
        var judged = Assert.Single(trace, s => s.OperationName == "driftfabric.service.judge" && (int?)s.GetTagItem("driftfabric.transitions") == 1);
        Assert.Equal("traced/prod/shop/web", judged.GetTagItem("driftfabric.service"));
        Assert.Contains(trace, s => s.OperationName == "driftfabric.tenant.publish" && (string?)s.GetTagItem("driftfabric.tenant") == "traced"
            && (int?)s.GetTagItem("driftfabric.transitions") == 1);
    }

    /// <summary>One tenant, one cluster: web scaled by hand (medium), api on an older image (high).</summary>
    private static TempFleet Fleet(string tenant)
    {
        var fleet = TempFleet.Single(tenant);
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredDeployment("api", "shop", 2, "api:2"));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 5, "web:1", manager: "kubectl-scale"), Objects.Deployment("api", "shop", 2, "api:1")));
        return fleet;
    }

    /// <summary>Has every silo export its metrics now; the newest snapshot of each silo, per metric.</summary>
    private List<MetricSnapshot> Flush()
    {
        lock (_metrics)
        {
            _metrics.Clear();
        }

        foreach (var silo in _fabric.Cluster.Silos)
        {
            silo.ServiceProvider.GetService<MeterProvider>()?.ForceFlush();
        }

        lock (_metrics)
        {
            return [.. _metrics];
        }
    }

    private static IEnumerable<MetricPoint> Points(List<MetricSnapshot> metrics, string name, (string Key, string Value)[] tags)
    {
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var pointTags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    pointTags[tag.Key] = tag.Value;
                }

                if (tags.All(t => Equals(pointTags.GetValueOrDefault(t.Key), t.Value)))
                {
                    yield return point;
                }
            }
        }
    }

    private static long Gauge(List<MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags) =>
        Points(metrics, name, tags).Sum(p => p.GetGaugeLastValueLong());

    private static long Sum(List<MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags) =>
        Points(metrics, name, tags).Sum(p => p.GetSumLong());

    private static long HistogramCount(List<MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags) => Points(metrics, name, tags).Sum(p => p.GetHistogramCount());

    /// <summary>A thread-safe collection the in-memory exporter can add spans to from both silos.</summary>
    private sealed class SpanCollection(ConcurrentQueue<Activity> queue) : ICollection<Activity>
    {
        public int Count => queue.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => queue.Enqueue(item);

        public void Clear() => queue.Clear();

        public bool Contains(Activity item) => queue.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => queue.CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();

        public IEnumerator<Activity> GetEnumerator() => queue.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
