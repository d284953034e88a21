using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// A cluster's roll-up: one line per service (its last summary), the cluster's total kept
/// current as lines change, and the cluster's summary with its proxies' problems. Plain state,
/// no grain: the cluster grain feeds it the services' answers.
/// </summary>
internal sealed class ClusterRollUp
{
    private readonly Dictionary<string, DriftSummary> _lines = new(StringComparer.Ordinal);
    private DriftSummary? _total;

    /// <summary>The services with a line, by key.</summary>
    public IReadOnlyDictionary<string, DriftSummary> Lines => _lines;

    public int Count => _lines.Count;

    public bool Contains(string service) => _lines.ContainsKey(service);

    /// <summary>The sum of every line.</summary>
    public DriftSummary Total => _total ??= _lines.Values.Aggregate(DriftSummary.Empty, (sum, s) => sum + s);

    /// <summary>
    /// Replaces one service's line without adding every line again. A service with no resources
    /// left (or no answer to take: null) has no line.
    /// </summary>
    public void Set(string service, DriftSummary? summary)
    {
        var total = Total;
        if (_lines.Remove(service, out var old))
        {
            total -= old;
        }

        if (summary is { Services: > 0 })
        {
            _lines[service] = summary;
            total += summary;
        }

        _total = total;
    }

    /// <summary>The services with resources, in key order.</summary>
    public IReadOnlyList<ServiceSummary> Services() =>
        [.. _lines.Where(s => s.Value.Services > 0).OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new ServiceSummary(ServiceId.Parse(s.Key), s.Value))];

    /// <summary>
    /// The cluster's summary: its total and source status, degraded by a proxy that cannot be read
    /// (its error among the cluster's) or that fronts a service the cluster does not declare.
    /// </summary>
    /// <param name="held">The proxies whose drifts the services hold.</param>
    public ClusterSummary Summary(string cluster, SourceStatus status, IReadOnlyDictionary<string, ProxyStatus> proxies, IReadOnlySet<string> held)
    {
        var problems = new List<string>();
        foreach (var proxy in proxies.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (proxy.State is ProxyState.Unreachable or ProxyState.Invalid)
            {
                problems.Add($"proxy {proxy.Name}: {proxy.Error}");
            }

            // A service with nothing but proxies' resources: the cluster declares no such service (a typo in the spec?).
            foreach (var service in proxy.Services)
            {
                if (held.Contains(proxy.Name) && _lines.TryGetValue(service.Key, out var line)
                    && line.Resources <= proxies.Values.Count(p => held.Contains(p.Name) && p.Services.Contains(service)))
                {
                    problems.Add($"proxy {proxy.Name} fronts {service.Namespace}/{service.Name}, which the cluster does not declare");
                }
            }
        }

        if (problems.Count > 0)
        {
            status = status with { State = status.State == SourceState.Ok ? SourceState.Degraded : status.State, Errors = [.. status.Errors, .. problems] };
        }

        return new(cluster, Total, status);
    }

    /// <summary>
    /// The source status after a followed live source's stream said how it is: unreachable with
    /// its <paramref name="problem"/> (since the first report of it), back to ok once it is well
    /// (null) after being unreachable; otherwise as it was.
    /// </summary>
    public static SourceStatus StatusAfterStream(SourceStatus previous, string? problem, DateTimeOffset now) => problem is null
        ? (previous.State == SourceState.Unreachable ? new SourceStatus(SourceState.Ok, now, [], now) : previous)
        : new SourceStatus(SourceState.Unreachable, now, [problem], previous.State == SourceState.Unreachable ? previous.Since : now);

    /// <summary>
    /// The source status after a load: ok, degraded (something could not be read or sent, and what
    /// was known is kept), unreachable (the API server) or failed; since when it has been so.
    /// </summary>
    /// <param name="knowsNothing">Whether the cluster has neither sent a service its code nor holds a line: then a source that cannot be read is a failure, not a degradation.</param>
    public static SourceStatus StatusAfter(SourceStatus previous, ClusterLoad load, bool knowsNothing, DateTimeOffset now)
    {
        var next = (load.DesiredUsable, load.LiveUsable || load.LiveUnchanged) switch
        {
            (true, true) when load.SendFailed || load.PartlyUsable => SourceState.Degraded,
            (true, true) => SourceState.Ok,
            (true, false) when load.LiveUnreachable => SourceState.Unreachable,
            (false, false) => SourceState.Failed,
            _ => knowsNothing ? SourceState.Failed : SourceState.Degraded,
        };
        var since = next == previous.State && previous.Since is not null ? previous.Since : now;
        return next == previous.State && previous.Errors.SequenceEqual(load.Errors)
            ? previous with { LoadedAt = now }
            : new SourceStatus(next, now, [.. load.Errors], since);
    }
}
