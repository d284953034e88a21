using System.Diagnostics;
using System.Text.Json.Nodes;

namespace DriftFabric.Silo.Tests;

/// <summary>The built CLI (<c>driftfabric</c>) as a child process against a running silo's API.</summary>
[Collection(ApiSiloTests.Name)]
public sealed class CliAgainstSiloTests(ApiSilo api)
{
    [Fact]
    public async Task Status_prints_the_fleet_as_json_and_as_a_table()
    {
        var (code, json, _) = await Cli(ApiSilo.AllTenants, "status", "--format", "json");
        var (tableCode, table, _) = await Cli(ApiSilo.AllTenants, "status", "--format", "table");

        Assert.Equal((0, 0), (code, tableCode));
        var fleet = JsonNode.Parse(json)!;
        Assert.Equal(["acme", "globex"], fleet["tenants"]!.AsArray().Select(t => (string?)t!["tenant"]));
        Assert.Contains("prod-eu", table, StringComparison.Ordinal);
        Assert.Contains("(worst critical)", table, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DRIFTFABRIC__SERVER", "DRIFTFABRIC__TOKEN")]
    [InlineData("DRIFTFABRIC_SERVER", "DRIFTFABRIC_TOKEN")]
    public async Task The_server_and_token_come_from_the_environment_under_the_silos_convention_and_the_earlier_names(string server, string token)
    {
        var (code, json, error) = await Run(["services", "--tenant", "acme", "--format", "json"],
            new Dictionary<string, string> { [server] = api.Silo.ApiUri.ToString(), [token] = ApiSilo.AllTenants });

        Assert.True(code == 0, error);
        Assert.NotEmpty(JsonNode.Parse(json)!.AsArray());
    }

    [Fact]
    public async Task Services_are_filtered_by_tenant_cluster_and_severity()
    {
        var (code, json, _) = await Cli(ApiSilo.AllTenants, "services", "--tenant", "acme", "--cluster", "prod-eu", "--severity", "critical", "--format", "json");

        Assert.Equal(0, code);
        Assert.Equal(["acme/prod-eu/shop/checkout", "acme/prod-eu/shop/shop-mesh"], JsonNode.Parse(json)!.AsArray().Select(s => (string?)s!["service"]!["key"]));
    }

    [Fact]
    public async Task Proxies_lists_each_proxy_with_its_state_drift_and_services()
    {
        var (code, json, _) = await Cli(ApiSilo.AllTenants, "proxies", "--format", "json");
        var (tableCode, table, _) = await Cli(ApiSilo.AllTenants, "proxies", "--tenant", "globex", "--format", "table");
        var (acmeCode, acme, _) = await Cli(ApiSilo.AllTenants, "proxies", "--tenant", "acme", "--format", "json");

        Assert.Equal((0, 0, 0), (code, tableCode, acmeCode));
        var proxy = Assert.Single(JsonNode.Parse(json)!.AsArray())!;
        Assert.Equal(
            ("globex", "payments-prod", "sidecar", "envoy", "ok", 5),
            ((string?)proxy["tenant"], (string?)proxy["cluster"], (string?)proxy["proxy"]!["name"], (string?)proxy["proxy"]!["kind"], ((string?)proxy["proxy"]!["state"])!.ToLowerInvariant(), (int?)proxy["proxy"]!["drifts"]));
        Assert.Matches(@"globex/payments-prod/sidecar\s+envoy\s+ok\s+high\s+5\s+payments/gateway", table);
        Assert.Empty(JsonNode.Parse(acme)!.AsArray());
    }

    [Fact]
    public async Task Remediate_shows_what_a_revert_would_do_and_exits_2_when_a_resource_is_left_as_it_was()
    {
        var (code, json, _) = await Cli(ApiSilo.AllTenants, "remediate", "acme/prod-eu/shop/cart/apps/Deployment/shop/cart", "--revert", "--dry-run", "--format", "json");
        var (tableCode, table, _) = await Cli(ApiSilo.AllTenants, "remediate", "acme/prod-eu/shop/cart", "--revert", "--dry-run", "--format", "table");
        var (noAction, _, error) = await Cli(ApiSilo.AllTenants, "remediate", "acme/prod-eu/shop/cart", "--format", "json");
        var (clusterCode, clusterJson, _) = await Cli(ApiSilo.AllTenants, "remediate", "acme/prod-eu", "--revert", "--dry-run", "--format", "json");

        // The example fleet is read from snapshots: nothing to write to, so the resource is left as it was.
        Assert.Equal((2, 2, 1), (code, tableCode, noAction));
        var result = Assert.Single(JsonNode.Parse(json)!["results"]!.AsArray())!;
        Assert.Equal(("apps/Deployment/shop/cart", "Skipped"), ((string?)result["resource"], (string?)result["outcome"]));
        Assert.Contains("core/ConfigMap/shop/debug-flags", table, StringComparison.Ordinal);
        Assert.Contains("Dry run: nothing was changed.", table, StringComparison.Ordinal);
        Assert.Contains("say what to do: --revert or --adopt", error, StringComparison.Ordinal);
        // The cluster's whole drift set: one report per drifted service.
        Assert.Equal(2, clusterCode);
        Assert.Equal(
            ["acme/prod-eu/shop/cart", "acme/prod-eu/shop/checkout", "acme/prod-eu/shop/frontend", "acme/prod-eu/shop/shop-mesh"],
            JsonNode.Parse(clusterJson)!.AsArray().Select(r => (string?)r!["service"]!["key"]));
    }

    [Fact]
    public async Task Drift_shows_desired_and_live_side_by_side_and_history_the_transitions()
    {
        var (code, table, _) = await Cli(ApiSilo.AllTenants, "drift", "acme/prod-eu/shop/cart", "--format", "table");
        var (jsonCode, json, _) = await Cli(ApiSilo.AllTenants, "drift", "acme/prod-eu/shop/cart", "--format", "json");
        var (historyCode, history, _) = await Cli(ApiSilo.AllTenants, "history", "acme/prod-eu/shop/cart", "--format", "json");

        Assert.Equal((0, 0, 0), (code, jsonCode, historyCode));
        var row = table.Split('\n').Single(l => l.Contains("/spec/replicas", StringComparison.Ordinal));
        Assert.Matches(@"/spec/replicas\s+medium\s+2\s+6\s+kubectl-scale", row);
        Assert.Contains("(not in the code)", table, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(json)!["drifts"]!.AsArray().Count);
        Assert.Contains(JsonNode.Parse(history)!.AsArray(), t => (string?)t!["type"] == "opened" && (string?)t["drift"]!["path"] == "/spec/replicas");
    }

    [Fact]
    public async Task Watch_tails_events_as_json_lines_from_a_sequence()
    {
        var lines = await WatchLines(3, "watch", "--tenant", "acme", "--after", "1", "--format", "json");

        Assert.Equal([2L, 3L, 4L], lines.Select(l => (long)JsonNode.Parse(l)!["sequence"]!));
        Assert.All(lines, l => Assert.Equal("acme", (string?)JsonNode.Parse(l)!["tenant"]));
    }

    [Theory]
    [InlineData(null, "status", "refused the token (401)")]
    [InlineData(ApiSilo.AcmeOnly, "drift globex/payments-prod/payments/ledger", "refused (403): this token is not scoped to the tenant")]
    [InlineData(ApiSilo.AllTenants, "drift acme/prod-eu/shop/basket", "answered 404: no service shop/basket in cluster acme/prod-eu")]
    [InlineData(ApiSilo.AllTenants, "history acme/prod-eu", "'acme/prod-eu' is not tenant/cluster/namespace/service")]
    [InlineData(ApiSilo.AllTenants, "watch --after 3", "--after needs exactly one --tenant")]
    [InlineData(ApiSilo.AllTenants, "watch --tenant acme --after 999999", "answered 400: Last-Event-ID: 999999 is past the last event of tenant acme")]
    public async Task A_failure_is_one_line_on_stderr_and_exit_1(string? token, string arguments, string message)
    {
        var (code, stdout, stderr) = await Cli(token, [.. arguments.Split(' '), "--format", "json"]);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("driftfabric: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_nobody_listens_on_is_one_line_and_exit_1()
    {
        var (code, _, stderr) = await Run(["--server", $"http://127.0.0.1:{LoopbackPorts.Free()}", "status"]);

        Assert.Equal(1, code);
        Assert.Contains("driftfabric: cannot reach http://127.0.0.1:", stderr.Trim(), StringComparison.Ordinal);
    }

    private Task<(int Code, string Stdout, string Stderr)> Cli(string? token, params string[] arguments) =>
        Run([.. arguments, "--server", api.Silo.ApiUri.ToString(), .. token is null ? Array.Empty<string>() : ["--token", token]]);

    private static ProcessStartInfo Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            // No terminal to answer a question on, as in a pipeline.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "driftfabric.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The server and token come from the command line only in these tests, unless given here.
        foreach (var name in new[] { "DRIFTFABRIC_TOKEN", "DRIFTFABRIC_SERVER", "DRIFTFABRIC__TOKEN", "DRIFTFABRIC__SERVER" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> Run(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(Start(arguments, environment))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command that does not end by itself (watch) until it has printed <paramref name="count"/> lines, then stops it.</summary>
    private async Task<List<string>> WatchLines(int count, params string[] arguments)
    {
        using var process = Process.Start(Start([.. arguments, "--server", api.Silo.ApiUri.ToString(), "--token", ApiSilo.AllTenants]))!;
        var lines = new List<string>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (lines.Count < count && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Assert.True(lines.Count == count, $"{lines.Count} lines: {string.Join(" | ", lines)}; stderr: {await process.StandardError.ReadToEndAsync()}");
        return lines;
    }
}
