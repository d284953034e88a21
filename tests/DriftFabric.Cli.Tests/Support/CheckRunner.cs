using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DriftFabric.Cli.Commands;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Tests.Support;

/// <summary>One <c>check</c> run: its exit status and everything it printed to stdout.</summary>
internal sealed class CheckRun(int exitCode, string output)
{
    private JsonElement? _json;

    public int ExitCode { get; } = exitCode;

    public string Output { get; } = output;

    /// <summary>The output parsed as the JSON report (only for <c>--format json</c>).</summary>
    public JsonElement Json => _json ??= JsonSerializer.Deserialize<JsonElement>(Output);

    public IReadOnlyList<JsonElement> Drifts => [.. Json.GetProperty("drifts").EnumerateArray()];

    public IReadOnlyList<JsonElement> Errors => [.. Json.GetProperty("errors").EnumerateArray()];

    public JsonElement Summary => Json.GetProperty("summary");

    /// <summary>The single drift at this resource and path; fails when there is none or more than one.</summary>
    public JsonElement Drift(string resource, string path) =>
        Assert.Single(Drifts, d => d.GetProperty("resource").GetString() == resource && d.GetProperty("path").GetString() == path);

    public IReadOnlyList<(string Resource, string Path, string Kind)> DriftKeys =>
        [.. Drifts.Select(d => (d.GetProperty("resource").GetString()!, d.GetProperty("path").GetString()!, d.GetProperty("kind").GetString()!))];
}

/// <summary>Runs <c>driftfabric check</c> in process (through <see cref="CheckCommand.Run"/>) or as a real child process.</summary>
internal static class CheckRunner
{
    /// <summary>The labelled drift corpus, copied next to the test assembly.</summary>
    public static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "corpus");

    /// <summary>The CLI assembly, copied next to the test assembly by the project reference.</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "driftfabric.dll");

    public static CheckRun Check(
        string desired,
        string live,
        string format = "json",
        Severity failOn = Severity.Low,
        string? fleet = null,
        bool terminal = false,
        string? digestKeyFile = null)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var options = new CheckOptions([desired], [live], fleet, format, failOn) { Terminal = terminal, DigestKeyFile = digestKeyFile };
        var exitCode = CheckCommand.Run(options, output);
        return new CheckRun(exitCode, output.ToString());
    }

    /// <summary>Runs <c>dotnet driftfabric.dll</c> with stdout and stderr redirected.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunProcessAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // Only a hung process ever meets this limit; it fails the test rather than timing it.
        using var hung = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(hung.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"driftfabric {string.Join(' ', arguments)} did not exit");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The 1-based line of the first line of <paramref name="text"/> that contains <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var index = Array.FindIndex(lines, l => l.Contains(fragment, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{fragment}' is not in the text");
        return index + 1;
    }
}
