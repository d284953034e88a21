using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary><c>--fleet driftfabric.yaml</c>: ignore rules and severity overrides, and errors that name file, line and field.</summary>
public sealed class FleetSpecTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _desired;
    private readonly string _live;

    public FleetSpecTests()
    {
        _desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        _live = _dir.Write("live.json", Objects.List(
            Objects.Shop.LiveDeployment(replicas: 5, image: Objects.Shop.HotfixImage, replicasBy: "kubectl-scale", imageBy: "kubectl-set")));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Ignore_rule_for_a_kind_and_path_removes_that_drift_only()
    {
        var fleet = _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            ignore:
            - kind: Deployment
              path: /spec/replicas
              reason: replicas follow the on-call runbook
            """);

        var run = CheckRunner.Check(_desired, _live, fleet: fleet);

        Assert.Equal([(Objects.Shop.WebDeployment, Objects.Shop.ImagePath, "Modified")], run.DriftKeys);
        Assert.Empty(run.Errors);
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public void Ignore_rule_for_another_kind_leaves_the_drift()
    {
        var fleet = _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            ignore:
            - kind: StatefulSet
              path: /spec/replicas
            """);

        var run = CheckRunner.Check(_desired, _live, fleet: fleet);

        run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public void Severity_override_changes_the_severity_of_a_matching_drift()
    {
        var fleet = _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            severity:
            - resource: apps/Deployment/shop/web
              path: /spec/replicas
              severity: critical
            """);

        var run = CheckRunner.Check(_desired, _live, fleet: fleet);

        Assert.Empty(run.Errors);
        Assert.Equal("critical", run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath).GetProperty("severity").GetString());
        Assert.Equal("high", run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ImagePath).GetProperty("severity").GetString());
        Assert.Equal(1, run.Summary.GetProperty("bySeverity").GetProperty("critical").GetInt32());
    }

    [Fact]
    public void Invalid_fleet_spec_is_an_error_naming_file_line_and_field()
    {
        const string Spec = """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            ignore:
            - kind: Deployment
              path: spec/replicas
            - kind: Service
              path: /spec/ports
              reasn: typo
            """;
        var fleet = _dir.Write("driftfabric.yaml", Spec);

        var run = CheckRunner.Check(_desired, _live, fleet: fleet);

        Assert.Equal(1, run.ExitCode);
        Assert.All(run.Errors, e => Assert.Equal(fleet, e.GetProperty("source").GetString()));
        var badPath = Assert.Single(run.Errors, e => e.GetProperty("message").GetString()!.Contains("ignore[0].path", StringComparison.Ordinal));
        Assert.Equal(CheckRunner.LineOf(Spec, "path: spec/replicas"), badPath.GetProperty("line").GetInt32());
        var unknown = Assert.Single(run.Errors, e => e.GetProperty("message").GetString()!.Contains("ignore[1].reasn", StringComparison.Ordinal));
        Assert.Equal(CheckRunner.LineOf(Spec, "reasn: typo"), unknown.GetProperty("line").GetInt32());
    }

    [Fact]
    public void Invalid_ignore_rule_hides_no_drift()
    {
        var fleet = _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            ignore:
            - kind: Deployment
              pth: /spec/replicas
            """);

        var run = CheckRunner.Check(_desired, _live, fleet: fleet);

        Assert.Equal(1, run.ExitCode);
        run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);
        run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ImagePath);
    }

    [Fact]
    public void Invalid_severity_override_changes_no_severity()
    {
        var fleet = _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            severity:
            - kind: Deployment
              pth: /spec/replicas
              severity: low
            """);

        var run = CheckRunner.Check(_desired, _live, fleet: fleet);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("medium", run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath).GetProperty("severity").GetString());
        Assert.Equal("high", run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ImagePath).GetProperty("severity").GetString());
    }
}
