namespace DriftFabric.Cli.Reports;

internal static class ReportFormats
{
    public static readonly string[] Names = ["table", "json", "sarif", "junit"];

    public static IReportWriter Create(string name) => name switch
    {
        "json" => new JsonReportWriter(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown report format"),
    };
}
