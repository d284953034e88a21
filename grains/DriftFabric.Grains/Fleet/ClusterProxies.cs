using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// A cluster's proxies: what each last reported (kept in the cluster's state) and the hand-over
/// of its drifts to the services it fronts, withdrawn from those it no longer does. The services'
/// new lines go into the roll-up; the grain stores and reports.
/// </summary>
internal sealed class ClusterProxies(IGrainFactory grains, ClusterRollUp rollUp, Action<string, Exception> serviceFailed)
{
    /// <summary>
    /// Takes a proxy's report: whether what the state keeps of it changed (and must be stored), and
    /// how many of its services could not be given its drift (the proxy reports again at its next poll).
    /// </summary>
    public async Task<(bool Changed, int Failed)> ObserveAsync(ClusterState state, ProxyReport report)
    {
        var status = report.Status;
        var previous = state.Proxies.GetValueOrDefault(status.Name);
        var failed = 0;
        if (report.Drifts is { } drifts)
        {
            var withdrawn = (previous?.Services ?? []).Except(status.Services).Select(s => (s, (IReadOnlyList<DriftRecord>?)null));
            failed = await HandAsync(status.Resource, status.Services.Select(s => (s, (IReadOnlyList<DriftRecord>?)drifts)).Concat(withdrawn));
        }

        state.Proxies[status.Name] = status;
        var changed = (report.Drifts is not null && state.ProxiesHeld.Add(status.Name)) || previous is null || !previous.SameAs(status);
        return (changed, failed);
    }

    /// <summary>
    /// Withdraws a retired proxy's drifts from its services and forgets it: how many services could
    /// not have it withdrawn (then it is kept, to be asked again), null when the cluster did not know it.
    /// </summary>
    public async Task<int?> ForgetAsync(ClusterState state, string proxy)
    {
        if (!state.Proxies.TryGetValue(proxy, out var status))
        {
            return null;
        }

        var failed = await HandAsync(status.Resource, status.Services.Select(s => (s, (IReadOnlyList<DriftRecord>?)null)));
        if (failed == 0)
        {
            state.Proxies.Remove(proxy);
            state.ProxiesHeld.Remove(proxy);
        }

        return failed;
    }

    /// <summary>The services proxies give resources to (a cluster that came back has no roll-up line for them yet).</summary>
    public static IEnumerable<string> Fronted(ClusterState state) => state.Proxies.Values.SelectMany(p => p.Services).Select(s => s.Key);

    /// <summary>Hands a proxy's drifts (null: withdrawn) to services and takes their new lines; returns how many failed.</summary>
    private async Task<int> HandAsync(string resource, IEnumerable<(ServiceId Service, IReadOnlyList<DriftRecord>? Drifts)> targets)
    {
        var drifts = new Dictionary<string, IReadOnlyList<DriftRecord>?>(StringComparer.Ordinal);
        foreach (var (service, given) in targets)
        {
            drifts[service.Key] = given;
        }

        var failed = 0;
        foreach (var (service, summary, _) in await ServiceCalls.AllAsync(grains, drifts.Keys, (s, grain) => grain.ApplyProxy(resource, drifts[s]), serviceFailed))
        {
            if (summary is null)
            {
                failed++;
            }
            else
            {
                rollUp.Set(service, summary);
            }
        }

        return failed;
    }
}
