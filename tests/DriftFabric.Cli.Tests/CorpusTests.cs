using System.Text.Json;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>Every labelled case of the drift corpus, through the CLI and its JSON report.</summary>
public sealed class CorpusTests
{
    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(CheckRunner.CorpusDirectory).Order(StringComparer.Ordinal))
        {
            cases.Add(Path.GetFileName(directory));
        }

        return cases;
    }

    [Fact]
    public void Corpus_is_copied_next_to_the_tests()
    {
        var cases = Directory.GetDirectories(CheckRunner.CorpusDirectory);

        Assert.NotEmpty(cases);
        Assert.All(cases, c =>
        {
            Assert.True(File.Exists(Path.Combine(c, "desired.yaml")), c);
            Assert.True(File.Exists(Path.Combine(c, "live.json")), c);
            Assert.True(File.Exists(Path.Combine(c, "expected.json")), c);
        });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_reports_exactly_the_expected_drifts(string name)
    {
        var (run, expected) = RunCase(name);

        Assert.Equal(expected.Count == 0 ? 0 : 2, run.ExitCode);
        Assert.Empty(run.Errors);
        Assert.Equal(
            expected.Select(Key).Order(StringComparer.Ordinal).ToList(),
            run.Drifts.Select(Key).Order(StringComparer.Ordinal).ToList());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_drifts_carry_the_expected_severity_and_manager(string name)
    {
        var (run, expected) = RunCase(name);

        foreach (var want in expected)
        {
            var got = Assert.Single(run.Drifts, d => Key(d) == Key(want));
            Assert.Equal(want.GetProperty("severity").GetString(), got.GetProperty("severity").GetString());
            if (want.TryGetProperty("manager", out var manager))
            {
                Assert.True(got.TryGetProperty("manager", out var actual), $"{Key(want)} carries no manager");
                Assert.Equal(manager.GetString(), actual.GetString());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_drifts_are_sorted_by_resource_then_path(string name)
    {
        var (run, _) = RunCase(name);
        var order = run.Drifts.Select(d => (Resource: d.GetProperty("resource").GetString()!, Path: d.GetProperty("path").GetString()!)).ToList();

        Assert.Equal(
            order.OrderBy(d => d.Resource, StringComparer.Ordinal).ThenBy(d => d.Path, StringComparer.Ordinal),
            order);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_output_never_contains_forbidden_strings_in_any_format(string name)
    {
        var directory = Path.Combine(CheckRunner.CorpusDirectory, name);
        var expected = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(Path.Combine(directory, "expected.json")));
        var forbidden = expected.TryGetProperty("forbiddenInOutput", out var list)
            ? list.EnumerateArray().Select(s => s.GetString()!).ToList()
            : [];

        foreach (var format in new[] { "json", "table", "sarif", "junit" })
        {
            var output = CheckRunner.Check(Path.Combine(directory, "desired.yaml"), Path.Combine(directory, "live.json"), format).Output;
            Assert.All(forbidden, secret => Assert.DoesNotContain(secret, output, StringComparison.Ordinal));
        }
    }

    private static (CheckRun Run, IReadOnlyList<JsonElement> Expected) RunCase(string name)
    {
        var directory = Path.Combine(CheckRunner.CorpusDirectory, name);
        var expected = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(Path.Combine(directory, "expected.json")));
        var run = CheckRunner.Check(Path.Combine(directory, "desired.yaml"), Path.Combine(directory, "live.json"));
        return (run, [.. expected.GetProperty("drifts").EnumerateArray()]);
    }

    private static string Key(JsonElement drift) =>
        $"{drift.GetProperty("resource").GetString()} {drift.GetProperty("path").GetString()} {drift.GetProperty("kind").GetString()}";
}
