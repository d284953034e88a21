using System.Text.Json.Nodes;
using DriftFabric.Testing;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// <c>driftfabric remediate</c> against a silo process that watches an API server (the in-process one
/// the tests run): a dry run is shown first, then the revert is done, and the object is back.
/// </summary>
public sealed class CliRemediationTests : IAsyncLifetime
{
    private const string Token = "token-that-may-write-0123456789ab";
    private KubeApiServer _server = null!;
    private TempFleet _fleet = null!;
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        _fleet = TempFleet.Single("cli-fix");
        _fleet.Write("desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        _fleet.WatchLive(_server.KubeConfig());
        _silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["DRIFTFABRIC__API__TOKENS__0__TOKEN"] = Token,
                ["DRIFTFABRIC__API__TOKENS__0__NAME"] = "platform-oncall",
                ["DRIFTFABRIC__API__TOKENS__0__TENANTS__0"] = "*",
                ["DRIFTFABRIC__API__TOKENS__0__SCOPES__0"] = "read",
                ["DRIFTFABRIC__API__TOKENS__0__SCOPES__1"] = "write",
            },
            "--fleet",
            _fleet.SpecPath);
        await _silo.WaitForLineAsync("Watching desired and live sources");
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _fleet.Dispose();
        await _server.DisposeAsync();
    }

    private int Replicas() => (int)_server.Get("apps/v1", "Deployment", "shop", "web")!["spec"]!["replicas"]!;

    private Task<(int Code, string Stdout, string Stderr)> Cli(params string[] arguments) =>
        CliAgainstSiloTests.Run([.. arguments, "--server", _silo.ApiUri.ToString(), "--token", Token]);

    [Fact]
    public async Task A_revert_shows_its_dry_run_first_then_puts_the_object_back_and_a_dry_run_alone_changes_nothing()
    {
        _server.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "kubectl-scale");
        await Eventually.HoldsAsync(
            async () => (await Cli("drift", "cli-fix/prod/shop/web", "--format", "json")).Stdout.Contains("/spec/replicas", StringComparison.Ordinal),
            () => Task.FromResult("the drift was never seen"));

        var (dryCode, dry, _) = await Cli("remediate", "cli-fix/prod/shop/web", "--revert", "--dry-run", "--format", "table");
        var untouched = Replicas();
        var (code, table, _) = await Cli("remediate", "cli-fix/prod/shop/web", "--revert", "--format", "table");

        Assert.Equal((0, 7), (dryCode, untouched));
        Assert.Contains("WouldChange", dry, StringComparison.Ordinal);
        Assert.Contains("Dry run: nothing was changed.", dry, StringComparison.Ordinal);
        Assert.Equal(0, code);
        // The dry run's table comes first, then the revert's.
        var would = table.IndexOf("WouldChange", StringComparison.Ordinal);
        var reverted = table.IndexOf("Reverted", StringComparison.Ordinal);
        Assert.True(would >= 0 && reverted > would, table);
        Assert.Contains("1 of 1 resources done.", table, StringComparison.Ordinal);
        Assert.Equal(2, Replicas());

        // Recorded as done by the token's holder, through the CLI.
        var (_, history, _) = await Cli("history", "cli-fix/prod/shop/web", "--format", "json");
        var remediated = JsonNode.Parse(history)!.AsArray().Single(t => (string?)t!["type"] is "remediated" or "Remediated")!;
        Assert.Equal(("api:platform-oncall/cli", "reverted"), ((string?)remediated["remediation"]!["actor"], (string?)remediated["remediation"]!["outcome"]));

        // Nothing left to do: the dry run finds the object in line, and nothing is written.
        var writes = _server.RequestLog.Count(r => r.Request.Contains("fieldManager=driftfabric", StringComparison.Ordinal) && !r.Request.Contains("dryRun", StringComparison.Ordinal));
        var (againCode, again, _) = await Cli("remediate", "cli-fix/prod/shop/web/apps/Deployment/shop/web", "--revert", "--format", "json");
        Assert.Equal(0, againCode);
        Assert.Equal("InSync", (string?)JsonNode.Parse(again)!["results"]![0]!["outcome"]);
        Assert.Equal(writes, _server.RequestLog.Count(r => r.Request.Contains("fieldManager=driftfabric", StringComparison.Ordinal) && !r.Request.Contains("dryRun", StringComparison.Ordinal)));
    }
}
