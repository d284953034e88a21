using System.Text.Json;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>SARIF 2.1.0 for code-scanning UIs: one located result per drift, input errors as notifications.</summary>
public sealed class SarifReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Report_is_sarif_2_1_0_from_the_driftfabric_driver()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);

        var sarif = Sarif(desired, live);

        Assert.Equal("2.1.0", sarif.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(sarif.GetProperty("$schema").GetString()));
        var run = Assert.Single(sarif.GetProperty("runs").EnumerateArray());
        Assert.Equal("driftfabric", run.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
    }

    [Fact]
    public void Each_drift_is_one_result_with_a_rule_a_level_and_a_message()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);
        var drifts = CheckRunner.Check(desired, live).Drifts;

        var run = Sarif(desired, live).GetProperty("runs")[0];

        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(drifts.Count, results.Count);
        Assert.All(results, result =>
        {
            Assert.Contains(result.GetProperty("ruleId").GetString(), rules);
            Assert.Contains(result.GetProperty("level").GetString(), new[] { "error", "warning", "note" });
            Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("message").GetProperty("text").GetString()));
        });
    }

    [Fact]
    public void Drift_declared_in_a_file_is_located_at_its_file_and_line()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);

        var results = Sarif(desired, live).GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();

        var replicas = Assert.Single(results, r => r.GetProperty("message").GetProperty("text").GetString()!.Contains(Objects.Shop.ReplicasPath, StringComparison.Ordinal));
        var physical = replicas.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.EndsWith("desired/web/deployment.yaml", physical.GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
        Assert.Equal(CheckRunner.LineOf(Objects.Shop.Deployment(), "replicas:"), physical.GetProperty("region").GetProperty("startLine").GetInt32());

        var declared = results.Where(r => !r.GetProperty("message").GetProperty("text").GetString()!.Contains(Objects.Shop.DebugConfig, StringComparison.Ordinal)).ToList();
        Assert.Equal(4, declared.Count);
        Assert.All(declared, result =>
        {
            var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.Contains("/desired/web/", location.GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
            Assert.True(location.GetProperty("region").GetProperty("startLine").GetInt32() > 0);
        });
    }

    [Fact]
    public void Input_errors_make_the_invocation_unsuccessful_with_a_notification()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);
        _dir.Write("desired/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");

        var invocation = Assert.Single(Sarif(desired, live).GetProperty("runs")[0].GetProperty("invocations").EnumerateArray());

        Assert.False(invocation.GetProperty("executionSuccessful").GetBoolean());
        var notification = Assert.Single(invocation.GetProperty("toolExecutionNotifications").EnumerateArray());
        Assert.Equal("error", notification.GetProperty("level").GetString());
        Assert.False(string.IsNullOrWhiteSpace(notification.GetProperty("message").GetProperty("text").GetString()));
        Assert.EndsWith("desired/broken.yaml", notification.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Clean_input_makes_the_invocation_successful()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);

        var invocation = Assert.Single(Sarif(desired, live).GetProperty("runs")[0].GetProperty("invocations").EnumerateArray());

        Assert.True(invocation.GetProperty("executionSuccessful").GetBoolean());
        Assert.Empty(invocation.GetProperty("toolExecutionNotifications").EnumerateArray());
    }

    private static JsonElement Sarif(string desired, string live) =>
        JsonSerializer.Deserialize<JsonElement>(CheckRunner.Check(desired, live, "sarif").Output);
}
