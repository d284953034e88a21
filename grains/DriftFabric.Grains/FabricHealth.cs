using System.Collections.Concurrent;

namespace DriftFabric.Grains;

/// <summary>One component's health: ok, or the problem and since when.</summary>
public sealed record HealthEntry(string Component, string? Problem, DateTimeOffset Since)
{
    public bool Healthy => Problem is null;
}

/// <summary>
/// What this silo knows about the health of what it depends on (Redis, the event log). Parts of
/// the silo report into it; the console (and later the health endpoints) read it. A silo that
/// cannot store or log drift says so here instead of dropping events silently.
/// </summary>
public sealed class FabricHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, HealthEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Raised when a component turns unhealthy, or healthy again (not on every report, nor on a first healthy one).</summary>
    public event Action<HealthEntry>? Changed;

    public bool Healthy => _entries.Values.All(e => e.Healthy);

    public IReadOnlyList<HealthEntry> Entries => [.. _entries.Values.OrderBy(e => e.Component, StringComparer.Ordinal)];

    /// <summary>The component that holds grain state when the fabric runs on Redis.</summary>
    public const string Storage = "redis";

    /// <summary>True unless <paramref name="component"/> was last reported unhealthy (one never reported is taken to work).</summary>
    public bool IsHealthy(string component) => !_entries.TryGetValue(component, out var entry) || entry.Healthy;

    /// <param name="problem">Null when the component works.</param>
    public void Report(string component, string? problem)
    {
        var now = time.GetUtcNow();
        HealthEntry? changed = null;
        _entries.AddOrUpdate(
            component,
            _ => problem is null ? new HealthEntry(component, null, now) : changed = new HealthEntry(component, problem, now),
            (_, old) => old.Healthy == (problem is null) ? old : changed = new HealthEntry(component, problem, now));
        if (changed is not null)
        {
            Changed?.Invoke(changed);
        }
    }
}
