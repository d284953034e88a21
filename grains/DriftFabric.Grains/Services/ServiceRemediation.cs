using System.Text;
using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Services;

/// <summary>
/// What a service hands its cluster's remediations and what it takes back from them, as plain
/// logic: the inputs a remediator needs (so it never comes back up for them), and the record of
/// what it did.
/// </summary>
internal static class ServiceRemediation
{
    /// <summary>
    /// Each drifted resource (or only <paramref name="resource"/>, if the service knows it), ordered
    /// by key: its desired and live JSON, its drifts by path, the file its code came from.
    /// </summary>
    public static List<ResourceState> Inputs(ServiceState state, string? resource)
    {
        var drifts = state.Drifts.Values.GroupBy(d => d.Resource).ToDictionary(g => g.Key, g => g.OrderBy(d => d.Path, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var keys = resource is null ? drifts.Keys.Order(StringComparer.Ordinal).ToList() : [resource];
        var result = new List<ResourceState>();
        foreach (var key in keys)
        {
            var desired = state.Desired.Find(d => d.Key == key);
            var live = state.Live.Find(d => d.Key == key);
            if (desired is null && live is null && !drifts.ContainsKey(key))
            {
                continue;
            }

            result.Add(new ResourceState(
                key,
                desired is null ? null : Encoding.UTF8.GetString(desired.Json()),
                live is null ? null : Encoding.UTF8.GetString(live.Json()),
                drifts.GetValueOrDefault(key) ?? [])
            {
                DesiredFile = desired?.Source,
            });
        }

        return result;
    }

    /// <summary>A <c>remediated</c> transition carrying <paramref name="note"/> for each of <paramref name="drifts"/> that is <paramref name="resource"/>'s.</summary>
    public static List<DriftTransition> Remediated(string resource, RemediationNote note, IEnumerable<DriftRecord> drifts, DateTimeOffset now) =>
        [.. drifts.Where(d => d.Resource == resource).Select(d => new DriftTransition(DriftEventType.Remediated, d, now) { Remediation = note })];
}
