using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary><c>check --proxy</c> against endpoints that must not be trusted: slow, or carrying credentials.</summary>
public sealed class ProxyEndpointTests
{
    private static string Dump(string file) => Path.Combine(AppContext.BaseDirectory, "envoy", file);

    [Fact]
    public async Task A_proxy_that_takes_longer_than_the_timeout_is_unreachable_and_exit_1()
    {
        // Accepts the connection and never answers, as a hung admin API does.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptSocketAsync();

        var (code, stdout, _) = await CheckRunner.RunProcessAsync(AppContext.BaseDirectory,
            "check", "--proxy", "envoy", "--desired", Dump("sidecar-expected.json"), "--live", $"http://127.0.0.1:{port}/", "--timeout", "300ms", "--format", "json");
        using var hung = await accepted;

        Assert.Equal(1, code);
        var error = JsonDocument.Parse(stdout).RootElement.GetProperty("errors")[0];
        Assert.Equal($"http://127.0.0.1:{port}/", error.GetProperty("source").GetString());
        Assert.Equal("unreachable: no answer within 0.3 s", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_admin_url_with_credentials_is_refused_without_showing_them()
    {
        var (code, stdout, stderr) = await CheckRunner.RunProcessAsync(AppContext.BaseDirectory,
            "check", "--proxy", "caddy", "--desired", Dump("sidecar-expected.json"), "--live", "http://admin:hunter2@127.0.0.1:1/", "--format", "json");

        Assert.Equal(1, code);
        Assert.DoesNotContain("hunter2", stdout + stderr, StringComparison.Ordinal);
        Assert.Equal("--live", JsonDocument.Parse(stdout).RootElement.GetProperty("errors")[0].GetProperty("source").GetString());
    }

    [Fact]
    public async Task A_timeout_that_is_no_duration_is_a_usage_error()
    {
        var (code, _, stderr) = await CheckRunner.RunProcessAsync(AppContext.BaseDirectory,
            "check", "--proxy", "envoy", "--desired", Dump("sidecar-expected.json"), "--live", Dump("sidecar-expected.json"), "--timeout", "soon");

        Assert.Equal(1, code);
        Assert.Contains("--timeout must be a duration", stderr, StringComparison.Ordinal);
    }
}
