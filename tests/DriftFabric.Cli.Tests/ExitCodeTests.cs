using DriftFabric.Cli.Tests.Support;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Tests;

/// <summary>Exit status 0 (in sync), 2 (drift at or above --fail-on), 1 (the run cannot be trusted).</summary>
public sealed class ExitCodeTests : IDisposable
{
    private const string BrokenConfigMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: broken
          namespace: shop
        data:
          greeting: hello: world

        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void In_sync_state_exits_0_with_no_drifts()
    {
        var desired = Objects.Shop.WriteDesired(_dir);
        var live = _dir.Write("live.json", Objects.List(
            Objects.Shop.LiveDeployment(),
            Objects.Shop.LiveService(),
            Objects.Shop.LiveConfigMap("web-config", ("greeting", "hello", Objects.Applied), ("theme", "dark", Objects.Applied)),
            Objects.Shop.LiveSecret()));

        var run = CheckRunner.Check(desired, live);

        Assert.Empty(run.Drifts);
        Assert.Empty(run.Errors);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void Drift_exits_2()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var run = CheckRunner.Check(desired, live);

        Assert.Equal(Objects.Shop.ReplicasPath, Assert.Single(run.Drifts).GetProperty("path").GetString());
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public void Medium_drift_below_fail_on_high_exits_0()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var run = CheckRunner.Check(desired, live, failOn: Severity.High);

        Assert.Equal("medium", Assert.Single(run.Drifts).GetProperty("severity").GetString());
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void High_drift_at_fail_on_high_exits_2()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(image: Objects.Shop.HotfixImage, imageBy: "kubectl-set")));

        var run = CheckRunner.Check(desired, live, failOn: Severity.High);

        Assert.Equal("high", Assert.Single(run.Drifts).GetProperty("severity").GetString());
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public void Bad_file_is_an_error_and_other_files_are_still_checked()
    {
        _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var broken = _dir.Write("desired/broken.yaml", BrokenConfigMap);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var run = CheckRunner.Check(_dir.PathOf("desired"), live);

        Assert.Equal(1, run.ExitCode);
        var drift = run.Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);
        Assert.Equal("kubectl-scale", drift.GetProperty("manager").GetString());
        var error = Assert.Single(run.Errors);
        Assert.Equal(broken, error.GetProperty("source").GetString());
        Assert.Equal(CheckRunner.LineOf(BrokenConfigMap, "hello: world"), error.GetProperty("line").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public void Input_error_exits_1_even_when_no_drift_reaches_fail_on()
    {
        _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        _dir.Write("desired/broken.yaml", BrokenConfigMap);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment()));

        var run = CheckRunner.Check(_dir.PathOf("desired"), live, failOn: Severity.Critical);

        Assert.Empty(run.Drifts);
        Assert.Equal(1, run.ExitCode);
    }
}
