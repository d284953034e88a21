using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Telemetry;

/// <summary>
/// The fabric's metrics (meter <see cref="MeterName"/>), one instance per silo: open drifts and
/// resources tracked per cluster and watch health come from the roll-ups of the clusters this
/// silo hosts (summed over silos they are the fleet's), detection latency and published events
/// are measured where they happen.
/// </summary>
public sealed class FabricMetrics
{
    public const string MeterName = "DriftFabric";

    private readonly ConcurrentDictionary<string, (string Tenant, ClusterSummary Summary)> _clusters = new(StringComparer.Ordinal);
    private readonly Histogram<double> _detection;
    private readonly Counter<long> _published;

    public FabricMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("driftfabric.drifts.open", ObserveOpenDrifts, "{drift}", "Current drifts, by tenant, cluster and severity");
        meter.CreateObservableGauge("driftfabric.resources.tracked", () => _clusters.Values.Select(c =>
            new Measurement<long>(c.Summary.Summary.Resources, Tags(c.Tenant, c.Summary.Cluster))), "{resource}", "Resources compared, by tenant and cluster");
        meter.CreateObservableGauge("driftfabric.watch.healthy", () => _clusters.Values.Select(c =>
            new Measurement<int>(c.Summary.Status.State == SourceState.Ok ? 1 : 0, [.. Tags(c.Tenant, c.Summary.Cluster), new("state", c.Summary.Status.State.ToString().ToLowerInvariant())])),
            description: "1 while a cluster's sources (its API server watch or snapshot) read fine, else 0");
        _detection = meter.CreateHistogram<double>("driftfabric.detection.duration", "s", "From a change reaching its service to its transitions being in the tenant's log",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _published = meter.CreateCounter<long>("driftfabric.events.published", "{event}", "Drift events appended to tenants' logs, by tenant and transition");
    }

    /// <summary>A cluster hosted on this silo has a new roll-up.</summary>
    public void ReportCluster(string tenant, ClusterSummary summary) => _clusters[$"{tenant}/{summary.Cluster}"] = (tenant, summary);

    /// <summary>A cluster left this silo (deactivated, or moved): its gauges go with it.</summary>
    public void ForgetCluster(string tenant, string cluster) => _clusters.TryRemove($"{tenant}/{cluster}", out _);

    public void RecordDetection(TimeSpan elapsed, string tenant, string cluster) => _detection.Record(elapsed.TotalSeconds, Tags(tenant, cluster));

    public void RecordPublished(string tenant, IEnumerable<DriftEvent> events)
    {
        foreach (var group in events.GroupBy(e => e.Type))
        {
            _published.Add(group.Count(), new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("type", group.Key.ToString().ToLowerInvariant()));
        }
    }

    private IEnumerable<Measurement<long>> ObserveOpenDrifts()
    {
        foreach (var (tenant, summary) in _clusters.Values)
        {
            var s = summary.Summary;
            foreach (var (severity, count) in new[] { ("critical", s.Critical), ("high", s.High), ("medium", s.Medium), ("low", s.Low) })
            {
                yield return new Measurement<long>(count, [.. Tags(tenant, summary.Cluster), new("severity", severity)]);
            }
        }
    }

    private static KeyValuePair<string, object?>[] Tags(string tenant, string cluster) => [new("tenant", tenant), new("cluster", cluster)];
}

/// <summary>The fabric's traces (source <see cref="SourceName"/>): a watched change or a reload, the services judging it, the tenant logging it.</summary>
public static class FabricTracing
{
    public const string SourceName = "DriftFabric";

    public static readonly ActivitySource Source = new(SourceName);
}
