using DriftFabric.Engine;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Cli.Reports;

/// <summary>Everything a <c>check</c> run found: the drifts, the inputs it could not use, what it checked.</summary>
internal sealed record CheckReport(IReadOnlyList<Drift> Drifts, IReadOnlyList<ManifestError> Errors, IReadOnlyList<CheckedResource> Resources)
{
    public int DriftedResources => Drifts.Select(d => d.Resource).Distinct().Count();

    public int CountOf(Severity severity) => Drifts.Count(d => d.Severity == severity);
}

internal interface IReportWriter
{
    void Write(CheckReport report, TextWriter output);
}
