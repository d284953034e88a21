using DriftFabric.Engine.Comparison;
using Spectre.Console;

namespace DriftFabric.Cli.Reports;

/// <summary>
/// A report for people: drifts grouped by resource, one aligned row per field with
/// desired -> live, coloured by severity on a terminal and plain when redirected.
/// </summary>
internal sealed class TableReportWriter(bool colour, int width) : IReportWriter
{
    public void Write(CheckReport report, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;

        var widths = ColumnWidths(report.Drifts);
        var indent = new string(' ', 2 + widths[0] + 2 + widths[1] + 2);
        foreach (var group in report.Drifts.GroupBy(d => d.Resource))
        {
            var worst = group.Max(d => d.Severity);
            var source = group.Select(d => d.Source).FirstOrDefault(s => s is not null);
            console.MarkupLine($"[bold]{Markup.Escape(group.Key.ToString())}[/]  [{Style(worst)}]{worst.ToText()}[/]"
                + (source is { } s ? $"  [dim]{Markup.Escape(s.ToString())}[/]" : string.Empty));
            foreach (var drift in group)
            {
                var path = ReportText.PathOrWhole(drift);
                var since = ReportText.Since(drift);
                var who = since.Length == 0 ? drift.Manager ?? "-" : $"{(drift.Manager ?? "-").PadRight(widths[3])}  {since}";
                console.MarkupLine(
                    $"  [{Style(drift.Severity)}]{drift.Severity.ToText().PadRight(widths[0])}[/]  {drift.Kind.ToString().PadRight(widths[1])}  "
                    + $"{Markup.Escape(path.PadRight(widths[2]))}  [dim]{Markup.Escape(who)}[/]");
                console.MarkupLine(indent + Change(drift, Math.Max(20, (width - indent.Length - 4) / 2)));
            }

            console.WriteLine();
        }

        foreach (var error in report.Errors)
        {
            console.MarkupLine($"[red]error[/] {Markup.Escape(error.ToString())}");
        }

        var summaryStyle = report.Drifts.Count == 0 ? "green" : Style(report.Drifts.Max(d => d.Severity));
        console.MarkupLine($"[{summaryStyle}]{Markup.Escape(ReportText.Summary(report))}[/]"
            + (report.Errors.Count > 0 ? $" [red]{Markup.Escape(ReportText.Plural(report.Errors.Count, "input error"))}.[/]" : string.Empty));
    }

    private static int[] ColumnWidths(IReadOnlyList<Drift> drifts)
    {
        int Max(Func<Drift, string> text, int floor) => drifts.Count == 0 ? floor : Math.Max(floor, drifts.Max(d => text(d).Length));
        return
        [
            Max(d => d.Severity.ToText(), 8),
            Max(d => d.Kind.ToString(), 9),
            Max(ReportText.PathOrWhole, 4),
            Max(d => d.Manager ?? "-", 1),
        ];
    }

    /// <summary>desired -> live, each side cut to <paramref name="maxValueLength"/> characters.</summary>
    private static string Change(Drift drift, int maxValueLength)
    {
        if (drift.Kind is DriftKind.Unmanaged || (drift.Kind is DriftKind.Missing && drift.Path.Length == 0))
        {
            return $"[italic]{Markup.Escape(ReportText.Change(drift))}[/]";
        }

        return $"[green]{Markup.Escape(ReportText.Value(drift.Desired, maxValueLength))}[/] -> [red]{Markup.Escape(ReportText.Value(drift.Live, maxValueLength))}[/]";
    }

    private static string Style(Severity severity) => severity switch
    {
        Severity.Critical => "bold red",
        Severity.High => "red",
        Severity.Medium => "yellow",
        _ => "blue",
    };
}
