using System.Text.Json;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Engine.Tests;

/// <summary>Every labelled case of the shared corpus (copied to tests/TestData/corpus) through the engine.</summary>
public class CorpusTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "corpus")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_gives_exactly_the_expected_drifts(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "corpus", name);
        var desired = ManifestLoader.LoadPath(Path.Combine(dir, "desired.yaml"));
        var live = ManifestLoader.LoadPath(Path.Combine(dir, "live.json"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));

        var result = new DriftEngine().Check(desired.Manifests, live.Manifests);

        Assert.Empty(desired.Errors);
        Assert.Empty(live.Errors);
        Drifts.LiveJsonAgrees(desired.Manifests, live.Manifests, result);
        var expectedDrifts = expected.RootElement.GetProperty("drifts").EnumerateArray().ToList();
        Assert.Equal(
            expectedDrifts.Select(d => $"{d.GetProperty("resource")} {d.GetProperty("path")} {d.GetProperty("kind")} {d.GetProperty("severity")}").Order(StringComparer.Ordinal),
            result.Drifts.Select(d => $"{d.Resource} {d.Path} {d.Kind} {d.Severity.ToText()}").Order(StringComparer.Ordinal));
        foreach (var want in expectedDrifts.Where(d => d.TryGetProperty("manager", out _)))
        {
            var got = result.Drifts.Single(d => d.Resource.ToString() == want.GetProperty("resource").GetString() && d.Path == want.GetProperty("path").GetString());
            Assert.Equal(want.GetProperty("manager").GetString(), got.Manager);
        }

        if (expected.RootElement.TryGetProperty("forbiddenInOutput", out var forbidden))
        {
            var values = string.Join('\n', result.Drifts.Select(d => $"{d.Desired} {d.Live}"));
            foreach (var secret in forbidden.EnumerateArray())
            {
                Assert.DoesNotContain(secret.GetString()!, values, StringComparison.Ordinal);
            }
        }
    }
}
