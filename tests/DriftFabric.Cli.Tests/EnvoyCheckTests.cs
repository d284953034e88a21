using System.Text.Json;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary><c>check --proxy envoy</c> on real sidecar config dumps, as <c>istioctl proxy-status POD</c> compares them.</summary>
public sealed class EnvoyCheckTests
{
    private static string Dump(string file) => Path.Combine(AppContext.BaseDirectory, "envoy", file);

    [Fact]
    public async Task The_drifted_sidecar_exits_2_with_its_drifts_and_the_expected_one_0()
    {
        var (drifted, stdout, _) = await CheckRunner.RunProcessAsync(AppContext.BaseDirectory, "check", "--proxy", "envoy", "--desired", Dump("sidecar-expected.json"), "--live", Dump("sidecar-actual-drifted.json"), "--format", "json");
        var (inSync, _, _) = await CheckRunner.RunProcessAsync(AppContext.BaseDirectory, "check", "--proxy", "envoy", "--desired", Dump("sidecar-expected.json"), "--live", Dump("sidecar-expected.json"), "--format", "json");

        Assert.Equal((2, 0), (drifted, inSync));
        var drifts = JsonDocument.Parse(stdout).RootElement.GetProperty("drifts").EnumerateArray().ToList();
        Assert.Equal(5, drifts.Count);
        Assert.All(drifts, d => Assert.Equal("envoy/Proxy/_/sidecar-actual-drifted", d.GetProperty("resource").GetString()));
    }
}
