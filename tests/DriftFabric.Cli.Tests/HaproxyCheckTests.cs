using System.Text.Json;
using DriftFabric.Cli.Tests.Support;
using DriftFabric.Testing;

namespace DriftFabric.Cli.Tests;

/// <summary><c>check --proxy haproxy</c> against a real HAProxy, changed through its runtime API as an operator would.</summary>
public sealed class HaproxyCheckTests : IAsyncLifetime
{
    private const string Backends = """
        backend web
          server web1 127.0.0.1:9001 weight 10
          server web2 127.0.0.1:9002 weight 20
          server spare 127.0.0.1:9003 disabled
        """;

    private HaproxyProcess _haproxy = null!;

    public async Task InitializeAsync() => _haproxy = await HaproxyProcess.StartAsync(Backends);

    public async Task DisposeAsync() => await _haproxy.DisposeAsync();

    [Fact]
    public async Task A_server_put_into_maintenance_or_reweighted_by_hand_is_drift_by_the_runtime_api_until_put_back()
    {
        Assert.Equal(0, (await CheckAsync()).Code);

        await _haproxy.CommandAsync("set server web/web1 state maint");
        await _haproxy.CommandAsync("set server web/web2 weight 5");
        await _haproxy.CommandAsync("set server web/web2 addr 127.0.0.1 port 9012");
        var (code, drifts, _) = await CheckAsync();

        Assert.Equal(2, code);
        Assert.Equal(
            [
                "/backends/web/servers/web1/state Modified high ready maint haproxy-runtime-api",
                "/backends/web/servers/web2/address Modified high 127.0.0.1:9002 127.0.0.1:9012 haproxy-runtime-api",
                "/backends/web/servers/web2/weight Modified medium 20 5 haproxy-runtime-api",
            ],
            drifts);

        await _haproxy.CommandAsync("set server web/web1 state ready");
        await _haproxy.CommandAsync("set server web/web2 weight 20");
        await _haproxy.CommandAsync("set server web/web2 addr 127.0.0.1 port 9002");
        Assert.Equal(0, (await CheckAsync()).Code);
    }

    [Fact]
    public async Task A_server_the_config_disables_enabled_by_hand_is_drift_until_disabled_again()
    {
        await _haproxy.CommandAsync("enable server web/spare");
        var (code, drifts, _) = await CheckAsync();
        await _haproxy.CommandAsync("disable server web/spare");

        Assert.Equal(2, code);
        Assert.Equal(["/backends/web/servers/spare/state Modified high maint ready haproxy-runtime-api"], drifts);
        Assert.Equal(0, (await CheckAsync()).Code);
    }

    [Fact]
    public async Task A_backend_the_running_proxy_lacks_or_has_beyond_its_config_is_drift_from_show_backend()
    {
        // The code renamed the backend; the proxy was never reloaded with it.
        var desired = Path.Combine(Path.GetDirectoryName(_haproxy.ConfigPath)!, "renamed.cfg");
        await File.WriteAllTextAsync(desired, (await File.ReadAllTextAsync(_haproxy.ConfigPath)).Replace("backend web", "backend www", StringComparison.Ordinal));

        var (code, drifts, _) = await CheckAsync(desiredPath: desired);

        Assert.Equal(2, code);
        Assert.Equal(
            [
                "/backends/web Added high - {\"servers\":{\"web1\":{\"address\":\"127.0.0.1:9001\",\"weight\":10,\"state\":\"ready\"},\"web2\":{\"address\":\"127.0.0.1:9002\",\"weight\":20,\"state\":\"ready\"},\"spare\":{\"address\":\"127.0.0.1:9003\",\"weight\":1,\"state\":\"maint\"}}} -",
                "/backends/www Missing high {\"servers\":{\"web1\":{\"address\":\"127.0.0.1:9001\",\"weight\":10,\"state\":\"ready\"},\"web2\":{\"address\":\"127.0.0.1:9002\",\"weight\":20,\"state\":\"ready\"},\"spare\":{\"address\":\"127.0.0.1:9003\",\"weight\":1,\"state\":\"maint\"}}} - -",
            ],
            drifts);
    }

    [Fact]
    public async Task A_dead_socket_or_an_answer_that_is_not_a_server_list_is_an_error_and_exit_1()
    {
        var garbage = Path.Combine(Path.GetDirectoryName(_haproxy.ConfigPath)!, "state.txt");
        await File.WriteAllTextAsync(garbage, "Unknown command.\n");

        var (deadCode, _, deadErrors) = await CheckAsync("unix:/nonexistent/admin.sock");
        var (garbageCode, _, garbageErrors) = await CheckAsync(garbage);

        Assert.Equal((1, 1), (deadCode, garbageCode));
        Assert.StartsWith("unix:/nonexistent/admin.sock unreachable", Assert.Single(deadErrors), StringComparison.Ordinal);
        Assert.StartsWith($"{garbage} invalid", Assert.Single(garbageErrors), StringComparison.Ordinal);
    }

    private async Task<(int Code, string[] Drifts, string[] Errors)> CheckAsync(string? live = null, string? desiredPath = null)
    {
        var (code, stdout, stderr) = await CheckRunner.RunProcessAsync(
            Path.GetDirectoryName(_haproxy.ConfigPath)!, "check", "--proxy", "haproxy", "--desired", desiredPath ?? _haproxy.ConfigPath, "--live", live ?? "unix:" + _haproxy.SocketPath, "--format", "json");
        var report = JsonDocument.Parse(stdout.Length > 0 ? stdout : throw new InvalidOperationException(stderr)).RootElement;
        string Value(JsonElement d, string name) => !d.TryGetProperty(name, out var v) ? "-"
            : v.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? JsonSerializer.Serialize(v) : v.ToString();
        return (
            code,
            [.. report.GetProperty("drifts").EnumerateArray().Select(d => $"{Value(d, "path")} {Value(d, "kind")} {Value(d, "severity")} {Value(d, "desired")} {Value(d, "live")} {Value(d, "manager")}")],
            [.. report.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("source").GetString()} {e.GetProperty("message").GetString()}")]);
    }
}
