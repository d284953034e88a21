using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Services;

/// <summary>
/// A service's drift set as plain logic: what changed between the set it held and the one just
/// judged (opened, changed, resolved; a drift keeps the onset it opened with), and its summary.
/// </summary>
internal static class DriftSet
{
    /// <summary>
    /// The transitions from <paramref name="previous"/> to <paramref name="current"/>; each drift of
    /// <paramref name="current"/> that was open already takes its first onset (in place).
    /// </summary>
    public static List<DriftTransition> Transitions(IReadOnlyDictionary<string, DriftRecord> previous, Dictionary<string, DriftRecord> current, DateTimeOffset now)
    {
        var transitions = new List<DriftTransition>();
        foreach (var (id, record) in current)
        {
            if (!previous.TryGetValue(id, out var before))
            {
                transitions.Add(new DriftTransition(DriftEventType.Opened, record, now));
            }
            else
            {
                // A drift keeps the onset it opened with, whatever changes later.
                var kept = record with { OnsetAt = before.OnsetAt };
                current[id] = kept;
                if (!kept.SameAs(before))
                {
                    transitions.Add(new DriftTransition(DriftEventType.Changed, kept, now));
                }
            }
        }

        foreach (var (id, before) in previous)
        {
            if (!current.ContainsKey(id))
            {
                transitions.Add(new DriftTransition(DriftEventType.Resolved, before, now));
            }
        }

        return transitions;
    }

    /// <summary>
    /// Marks each drift of <paramref name="current"/> with the desired state's <paramref name="revision"/>
    /// (in place); true when any named another before.
    /// </summary>
    public static bool StampRevision(Dictionary<string, DriftRecord> current, string? revision)
    {
        var moved = false;
        foreach (var (id, record) in current)
        {
            if (record.Revision != revision)
            {
                current[id] = record with { Revision = revision };
                moved = true;
            }
        }

        return moved;
    }

    /// <summary>
    /// <paramref name="previous"/> with <paramref name="resource"/>'s drifts replaced by
    /// <paramref name="drifts"/> (none when null): how a proxy that fronts the service reports its own.
    /// </summary>
    public static Dictionary<string, DriftRecord> WithResource(IReadOnlyDictionary<string, DriftRecord> previous, string resource, IReadOnlyList<DriftRecord>? drifts)
    {
        var current = previous.Where(d => d.Value.Resource != resource).ToDictionary(StringComparer.Ordinal);
        foreach (var drift in drifts ?? [])
        {
            current[drift.Id] = drift;
        }

        return current;
    }

    /// <summary>A service's line: its resources, how many drifted, its drifts by severity.</summary>
    public static DriftSummary Summarize(int resources, IEnumerable<DriftRecord> drifts)
    {
        int critical = 0, high = 0, medium = 0, low = 0;
        var drifted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var drift in drifts)
        {
            drifted.Add(drift.Resource);
            switch (drift.Severity)
            {
                case Severity.Critical: critical++; break;
                case Severity.High: high++; break;
                case Severity.Medium: medium++; break;
                default: low++; break;
            }
        }

        return new DriftSummary(resources, drifted.Count, critical, high, medium, low, resources > 0 ? 1 : 0, drifted.Count > 0 ? 1 : 0);
    }
}
