namespace DriftFabric.Cli.Reports;

internal static class ReportFormats
{
    public static readonly string[] Names = ["table", "json", "sarif", "junit"];

    /// <summary>A writer for the named format; the table is coloured only for a terminal.</summary>
    public static IReportWriter Create(string name, bool terminal = false, int width = 160) => name switch
    {
        "json" => new JsonReportWriter(),
        "sarif" => new SarifReportWriter(),
        "junit" => new JunitReportWriter(),
        "table" => new TableReportWriter(terminal, width),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown report format"),
    };
}
