using System.Globalization;
using System.Text.Json;
using DriftFabric.Abstractions;
using Spectre.Console;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Fabric;

/// <summary>Where fabric commands write: tables and JSON on stdout, progress and the one-line error on stderr.</summary>
internal sealed class FabricOutput
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly bool _progress;

    public FabricOutput(TextWriter output, TextWriter error, bool colour, int width)
    {
        _output = output;
        _error = error;
        _progress = !System.Console.IsErrorRedirected;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        Console.Profile.Width = width;
    }

    public IAnsiConsole Console { get; }

    public static Table Table(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)));
        }

        return table;
    }

    /// <summary>A fleet row: a name, the counts (coloured by severity), a state.</summary>
    public static string[] Row(string name, DriftSummary s, string state)
    {
        string Count(int n, Severity severity) => n == 0 ? "0" : $"[{Style(severity)}]{n.ToString(CultureInfo.InvariantCulture)}[/]";
        return
        [
            $"[{Style(s.Worst)}]{name}[/]", s.Resources.ToString(CultureInfo.InvariantCulture), s.DriftedResources.ToString(CultureInfo.InvariantCulture),
            Count(s.Critical, Severity.Critical), Count(s.High, Severity.High), Count(s.Medium, Severity.Medium), Count(s.Low, Severity.Low), state,
        ];
    }

    private static readonly JsonSerializerOptions Indented = new(FabricApi.Json) { WriteIndented = true };

    public void Json<T>(T value) => _output.WriteLine(JsonSerializer.Serialize(value, Indented));

    public void JsonLine<T>(T value)
    {
        _output.WriteLine(JsonSerializer.Serialize(value, FabricApi.Json));
        _output.Flush();
    }

    /// <summary>A status line for people watching a terminal (not written when stderr is redirected).</summary>
    public void Status(string message)
    {
        if (_progress)
        {
            _error.WriteLine($"driftfabric: {message}");
        }
    }

    /// <summary>Runs a long operation with a spinner on a terminal's stderr, naming what it is at.</summary>
    public async Task ProgressAsync(string label, Func<Action<string>, Task> work)
    {
        if (!_progress)
        {
            await work(_ => { });
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_error) });
        await console.Status().StartAsync(label, async context => await work(at => context.Status($"{label}: {Markup.Escape(at)}")));
    }

    public void Error(string message) => _error.WriteLine($"driftfabric: {message}");

    public static string Style(Severity? severity) => severity switch
    {
        Severity.Critical => "bold red",
        Severity.High => "red",
        Severity.Medium => "yellow",
        Severity.Low => "blue",
        _ => "green",
    };

    public static string Worst(Severity? severity) => severity?.ToString().ToLowerInvariant() ?? "in sync";

    public static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    public static string Summary(DriftSummary s) =>
        s.Drifts == 0 ? $"In sync: {Plural(s.Resources, "resource")}." : $"{Plural(s.Drifts, "drift")} in {Plural(s.DriftedResources, "resource")} of {s.Resources} (worst {Worst(s.Worst)}).";

    /// <summary>One side of a drift as people read it: strings unquoted, absence said in words.</summary>
    public static string Side(DriftRecord d, bool desired) => (d.Kind, d.Path.Length == 0) switch
    {
        (DriftKind.Unmanaged, _) => desired ? "(not in the code)" : "(in the cluster)",
        (DriftKind.Missing, true) => desired ? "(declared)" : "(not in the cluster)",
        _ => Value(desired ? d.Desired : d.Live),
    };

    public static string Who(DriftRecord d) =>
        d.Manager is null ? "-" : d.ChangedAt is { } at ? $"{d.Manager}, {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}" : d.Manager;

    /// <summary>What a transition did to a drift, its values as people read them.</summary>
    public static string Change(DriftRecord d, DriftEventType type, RemediationNote? remediation = null) => DriftText.Change(d, type, Value, remediation);

    public static string EventLine(DriftEvent e)
    {
        var d = e.Drift;
        var at = e.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var change = Change(d, e.Type, e.Remediation);
        var who = d.Manager is null ? string.Empty : $" by {d.Manager}";
        return $"[dim]{at} #{e.Sequence}[/] {Markup.Escape($"{e.Tenant}/{e.Service.Cluster}")} {e.Type.ToString().ToLowerInvariant(),-8} "
            + $"[{Style(d.Severity)}]{d.Severity.ToString().ToLowerInvariant(),-8}[/] {Markup.Escape($"{d.Resource} {d.Path}".TrimEnd())}: {Markup.Escape(DriftText.Shorten(change, MaxText) + who)}";
    }

    private static string Value(string? json)
    {
        if (json is null)
        {
            return "(absent)";
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return DriftText.Shorten(document.RootElement.ValueKind == JsonValueKind.String ? document.RootElement.GetString()! : json, MaxText);
        }
        catch (JsonException)
        {
            return DriftText.Shorten(json, MaxText);
        }
    }

    private const int MaxText = 120;
}
