using System.Text.Json;
using DriftFabric.Cli.Tests.Support;
using DriftFabric.Testing;

namespace DriftFabric.Cli.Tests;

/// <summary><c>check --proxy caddy</c> against a real Caddy, changed through its admin API as an operator would.</summary>
public sealed class CaddyCheckTests : IAsyncLifetime
{
    private const string Config = CaddyServer.ExampleConfig;


    private const string Routes = "/apps/http/servers/srv0/routes";
    private CaddyServer _caddy = null!;

    public async Task InitializeAsync() => _caddy = await CaddyServer.StartAsync(Config);

    public async Task DisposeAsync() => await _caddy.DisposeAsync();

    [Fact]
    public async Task The_running_config_as_declared_is_in_sync()
    {
        var (code, drifts, _) = await CheckAsync(_caddy.Admin.ToString());

        Assert.Equal(0, code);
        Assert.Empty(drifts);
    }

    [Fact]
    public async Task Upstreams_are_a_set_and_one_swapped_by_hand_is_drift_until_put_back()
    {
        await _caddy.PatchAsync("config/apps/http/servers/srv0/routes/1/handle/0/upstreams", """[{"dial":"127.0.0.1:9002"},{"dial":"127.0.0.1:9001"}]""");
        Assert.Equal(0, (await CheckAsync(_caddy.Admin.ToString())).Code);

        await _caddy.PatchAsync("config/apps/http/servers/srv0/routes/1/handle/0/upstreams", """[{"dial":"127.0.0.1:9002"},{"dial":"127.0.0.1:9999"}]""");
        var (code, drifts, _) = await CheckAsync(_caddy.Admin.ToString());

        Assert.Equal(2, code);
        string[] expected = [$"{Routes}[@id=api]/handle[0]/upstreams[dial=127.0.0.1:9001] Missing high", $"{Routes}[@id=api]/handle[0]/upstreams[dial=127.0.0.1:9999] Added high"];
        Assert.True(expected.SequenceEqual(drifts), string.Join(" | ", drifts));

        await _caddy.LoadAsync(await File.ReadAllTextAsync(_caddy.ConfigPath));
        Assert.Equal(0, (await CheckAsync(_caddy.Admin.ToString())).Code);
    }

    [Fact]
    public async Task Routes_moved_out_of_order_and_an_auth_header_changed_are_drift()
    {
        var config = await _caddy.ConfigAsync();
        var routes = config["apps"]!["http"]!["servers"]!["srv0"]!["routes"]!.AsArray();
        var swapped = new System.Text.Json.Nodes.JsonArray(routes[1]!.DeepClone(), routes[0]!.DeepClone(), routes[2]!.DeepClone());
        await _caddy.PatchAsync("config/apps/http/servers/srv0/routes", swapped.ToJsonString());
        await _caddy.PatchAsync("id/ops/handle/0/request/set", """{"X-Auth-User":["root"]}""");

        var (code, drifts, _) = await CheckAsync(_caddy.Admin.ToString());

        Assert.Equal(2, code);
        Assert.Equal(
            // The ops route sets an auth header: moving it (or changing it) is critical.
            [$"{Routes} Modified critical", $"{Routes}[@id=ops]/handle[0]/request/set/X-Auth-User Modified critical"],
            drifts);
    }

    [Fact]
    public async Task The_catch_all_moved_in_front_of_the_auth_route_is_one_critical_order_drift()
    {
        // The catch-all has no @id: the operator takes it out and inserts it first (PUT inserts at an index).
        var catchAll = (await _caddy.ConfigAsync())["apps"]!["http"]!["servers"]!["srv0"]!["routes"]![2]!.ToJsonString();
        await _caddy.DeleteAsync("config/apps/http/servers/srv0/routes/2");
        await _caddy.PutAsync("config/apps/http/servers/srv0/routes/0", catchAll);

        var (code, report) = await RunAsync(_caddy.Admin.ToString());

        Assert.Equal(2, code);
        var drift = Assert.Single(report.GetProperty("drifts").EnumerateArray());
        static string Order(JsonElement names) => string.Join(" ", names.EnumerateArray().Select(name => name.GetString()));
        // The ops route sets an auth header: moved behind the catch-all, it is bypassed.
        Assert.Equal(
            (Routes, "Modified", "critical", "ops api [2]", "[2] ops api"),
            (drift.GetProperty("path").GetString(), drift.GetProperty("kind").GetString(), drift.GetProperty("severity").GetString(), Order(drift.GetProperty("desired")), Order(drift.GetProperty("live"))));
    }

    [Fact]
    public async Task The_fleet_specs_ignore_rules_and_severity_overrides_that_select_the_proxy_apply()
    {
        await _caddy.PatchAsync("config/apps/http/servers/srv0/routes/1/handle/0/upstreams", """[{"dial":"127.0.0.1:9002"},{"dial":"127.0.0.1:9999"}]""");
        var dir = Path.GetDirectoryName(_caddy.ConfigPath)!;
        var spec = Path.Combine(dir, "driftfabric.yaml");
        await File.WriteAllTextAsync(spec, $"ignore:\n- kind: caddy/Proxy\n  path: {Routes}[@id=api]/handle[*]/upstreams\n  reason: upstreams are scaled by the autoscaler\n");
        var (ignored, _, _) = await CheckRunner.RunProcessAsync(dir, "check", "--proxy", "caddy", "--desired", _caddy.ConfigPath, "--live", _caddy.Admin.ToString(), "--fleet", spec);
        await File.WriteAllTextAsync(spec, $"severity:\n- kind: Proxy\n  path: {Routes}[@id=api]\n  severity: low\n");
        var (lowered, _, _) = await CheckRunner.RunProcessAsync(dir, "check", "--proxy", "caddy", "--desired", _caddy.ConfigPath, "--live", _caddy.Admin.ToString(), "--fleet", spec, "--fail-on", "medium");
        await _caddy.LoadAsync(await File.ReadAllTextAsync(_caddy.ConfigPath));

        // Ignored: in sync. Lowered to low: below --fail-on medium, so in sync for the pipeline.
        Assert.Equal((0, 0), (ignored, lowered));
    }

    [Fact]
    public async Task A_dead_or_garbled_admin_endpoint_is_an_error_naming_it_and_exit_1()
    {
        var dead = $"http://127.0.0.1:{LoopbackPorts.Free()}/";
        var (deadCode, _, deadErrors) = await CheckAsync(dead);

        // The site itself answers "ok" for every path: not a config.
        var config = await _caddy.ConfigAsync();
        var site = (string)config["apps"]!["http"]!["servers"]!["srv0"]!["listen"]![0]!;
        var (garbledCode, _, garbledErrors) = await CheckAsync($"http://{site}/config/");

        Assert.Equal((1, 1), (deadCode, garbledCode));
        Assert.StartsWith($"{dead} unreachable", Assert.Single(deadErrors), StringComparison.Ordinal);
        Assert.StartsWith($"http://{site}/config/ invalid", Assert.Single(garbledErrors), StringComparison.Ordinal);
    }

    /// <summary>Runs the CLI: its exit status, the drifts as "path kind severity", the errors as "source message".</summary>
    private async Task<(int Code, string[] Drifts, string[] Errors)> CheckAsync(string live)
    {
        var (code, report) = await RunAsync(live);
        return (
            code,
            [.. report.GetProperty("drifts").EnumerateArray().Select(d => $"{d.GetProperty("path").GetString()} {d.GetProperty("kind").GetString()} {d.GetProperty("severity").GetString()}")],
            [.. report.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("source").GetString()} {e.GetProperty("message").GetString()}")]);
    }

    /// <summary>Runs the CLI: its exit status and its JSON report.</summary>
    private async Task<(int Code, JsonElement Report)> RunAsync(string live)
    {
        var (code, stdout, stderr) = await CheckRunner.RunProcessAsync(Path.GetDirectoryName(_caddy.ConfigPath)!, "check", "--proxy", "caddy", "--desired", _caddy.ConfigPath, "--live", live, "--format", "json");
        return (code, JsonDocument.Parse(stdout.Length > 0 ? stdout : throw new InvalidOperationException(stderr)).RootElement);
    }
}
