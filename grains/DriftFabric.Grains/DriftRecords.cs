using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains;

public static class DriftRecords
{
    /// <summary>An engine's drift as the fabric keeps and streams it: values as JSON text, onset when it changed or else <paramref name="now"/>.</summary>
    public static DriftRecord From(Drift drift, DateTimeOffset now) => new(
        drift.Resource.ToString(),
        drift.Path,
        drift.Kind,
        drift.Severity,
        drift.Desired?.ToJson(),
        drift.Live?.ToJson(),
        drift.Manager,
        drift.ChangedAt,
        drift.ChangedAt ?? now,
        drift.Source?.ToString());
}
