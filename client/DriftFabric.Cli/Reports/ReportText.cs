using System.Globalization;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;

namespace DriftFabric.Cli.Reports;

/// <summary>Short human-readable renderings shared by the text-based report formats.</summary>
internal static class ReportText
{
    public static string Value(Node? value, int maxLength = int.MaxValue)
    {
        if (value is null)
        {
            return "(absent)";
        }

        // Cut in the middle: the end of a value (an image tag, a last route) is as telling as its start.
        var text = value.ToJson();
        if (text.Length <= maxLength)
        {
            return text;
        }

        var head = Math.Max(1, (maxLength - 1) / 2);
        var tail = Math.Max(1, maxLength - 1 - head);
        return string.Concat(text.AsSpan(0, head), "…", text.AsSpan(text.Length - tail));
    }

    public static string Change(Drift drift, int maxValueLength = int.MaxValue) => drift.Kind switch
    {
        DriftKind.Missing when drift.Path.Length == 0 => "declared, not in the cluster",
        DriftKind.Unmanaged => "in the cluster, not declared",
        _ => $"{Value(drift.Desired, maxValueLength)} -> {Value(drift.Live, maxValueLength)}",
    };

    public static string Since(Drift drift) =>
        drift.ChangedAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) : string.Empty;

    public static string PathOrWhole(Drift drift) => drift.Path.Length == 0 ? "(whole resource)" : drift.Path;

    public static string Summary(CheckReport report) =>
        report.Drifts.Count == 0
            ? $"No drift in {Plural(report.Resources.Count, "resource")}."
            : $"{Plural(report.Drifts.Count, "drift")} in {report.DriftedResources} of {Plural(report.Resources.Count, "resource")}: "
              + $"{report.CountOf(Severity.Critical)} critical, {report.CountOf(Severity.High)} high, "
              + $"{report.CountOf(Severity.Medium)} medium, {report.CountOf(Severity.Low)} low.";

    public static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
