using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>The table for people: drifts grouped by resource with desired -> live, plain unless on a terminal.</summary>
public sealed class TableReportTests : IDisposable
{
    private const string Escape = "\u001b";

    private readonly TempDirectory _dir = new();
    private readonly string _desired;
    private readonly string _live;

    public TableReportTests()
    {
        _desired = Objects.Shop.WriteDesired(_dir);
        _live = _dir.Write("live.json", Objects.List(
            Objects.Shop.LiveDeployment(replicas: 5, image: Objects.Shop.HotfixImage, replicasBy: "kubectl-scale", imageBy: "kubectl-set"),
            Objects.Shop.LiveService(),
            Objects.Shop.LiveConfigMap("web-config", ("greeting", "hi", "kubectl-edit"), ("theme", "dark", Objects.Applied)),
            Objects.Shop.LiveSecret()));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Redirected_table_has_no_ansi_escapes()
    {
        var output = Table(terminal: false);

        Assert.DoesNotContain(Escape, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Terminal_table_is_coloured_with_ansi_escapes()
    {
        var output = Table(terminal: true);

        Assert.Contains(Escape, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Drifts_are_grouped_under_one_line_per_resource()
    {
        var lines = Lines(Table(terminal: false));

        var deployment = Assert.Single(lines, l => l.StartsWith(Objects.Shop.WebDeployment, StringComparison.Ordinal));
        var configMap = Assert.Single(lines, l => l.StartsWith(Objects.Shop.WebConfig, StringComparison.Ordinal));
        var deploymentRows = Group(lines, deployment);
        Assert.Contains(deploymentRows, l => l.Contains(Objects.Shop.ReplicasPath, StringComparison.Ordinal));
        Assert.Contains(deploymentRows, l => l.Contains(Objects.Shop.ImagePath, StringComparison.Ordinal));
        Assert.DoesNotContain(deploymentRows, l => l.Contains("/data/greeting", StringComparison.Ordinal));
        Assert.Contains(Group(lines, configMap), l => l.Contains("/data/greeting", StringComparison.Ordinal));
    }

    [Fact]
    public void Rows_show_desired_and_live_values()
    {
        var output = Table(terminal: false);

        Assert.Contains("2 -> 5", output, StringComparison.Ordinal);
        Assert.Contains($"\"{Objects.Shop.WebImage}\" -> \"{Objects.Shop.HotfixImage}\"", output, StringComparison.Ordinal);
        Assert.Contains("\"hello\" -> \"hi\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_ends_with_a_summary_line()
    {
        var summary = Lines(Table(terminal: false))[^1];

        Assert.Contains("3 drifts", summary, StringComparison.Ordinal);
        Assert.Contains("0 critical, 1 high, 2 medium, 0 low", summary, StringComparison.Ordinal);
    }

    private string Table(bool terminal)
    {
        var run = CheckRunner.Check(_desired, _live, "table", terminal: terminal);
        Assert.Equal(2, run.ExitCode);
        return run.Output;
    }

    private static List<string> Lines(string output) =>
        [.. output.ReplaceLineEndings("\n").Split('\n').Where(l => l.Trim().Length > 0)];

    /// <summary>The rows below a resource's header line, up to the next unindented line.</summary>
    private static List<string> Group(List<string> lines, string header) =>
        [.. lines.Skip(lines.IndexOf(header) + 1).TakeWhile(l => l.StartsWith(' '))];
}
