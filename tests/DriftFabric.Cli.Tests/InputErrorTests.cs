using System.Text;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>Inputs that cannot be used: each becomes an error entry naming where it is, and exit status 1.</summary>
public sealed class InputErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Missing_live_path_is_an_error_naming_that_path()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.PathOf("no-such-dump.json");

        var run = CheckRunner.Check(desired, live);

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal(live, error.GetProperty("source").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public void A_malformed_ignore_annotation_is_an_error_at_its_line_and_ignores_nothing()
    {
        var annotated = Objects.Shop.Deployment().Replace(
            "  labels:\n    app.kubernetes.io/name: web\nspec:",
            "  labels:\n    app.kubernetes.io/name: web\n  annotations:\n    driftfabric.io/ignore: \"/spec/replicas,,\"\nspec:",
            StringComparison.Ordinal);
        Assert.NotEqual(Objects.Shop.Deployment(), annotated);
        var desired = _dir.Write("desired/deployment.yaml", annotated);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var run = CheckRunner.Check(desired, live);

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal((desired, 9), (error.GetProperty("source").GetString(), error.GetProperty("line").GetInt32()));
        Assert.Contains("driftfabric.io/ignore", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);
    }

    [Fact]
    public void Alias_bomb_is_an_error_naming_the_file_and_other_files_are_still_checked()
    {
        _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var bomb = _dir.Write("desired/lol.yaml", BillionLaughs());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var run = CheckRunner.Check(_dir.PathOf("desired"), live);

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal(bomb, error.GetProperty("source").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);
    }

    [Fact]
    public void Duplicate_key_is_an_error_at_the_line_of_the_duplicate()
    {
        const string Duplicated = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
            spec:
              replicas: 2
              replicas: 3

            """;
        var desired = _dir.Write("desired/deployment.yaml", Duplicated);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment()));

        var run = CheckRunner.Check(desired, live);

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal(desired, error.GetProperty("source").GetString());
        Assert.Equal(CheckRunner.LineOf(Duplicated, "replicas: 3"), error.GetProperty("line").GetInt32());
        Assert.Contains("replicas", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Nine levels of ten aliases each: 10^9 nodes once expanded, a few hundred bytes as written.</summary>
    private static string BillionLaughs()
    {
        var yaml = new StringBuilder("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: lol
              namespace: shop
            data:
              l0: &l0 "lol"

            """);
        for (var level = 1; level <= 9; level++)
        {
            var previous = string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10));
            yaml.Append($"  l{level}: &l{level} [{previous}]\n");
        }

        return yaml.ToString();
    }
}
