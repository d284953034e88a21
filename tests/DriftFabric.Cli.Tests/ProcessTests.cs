using System.Text.Json;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>The built CLI as a child process: real exit statuses, JSON by default when stdout is redirected.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Cli_assembly_is_copied_next_to_the_tests()
    {
        Assert.True(File.Exists(CheckRunner.AssemblyPath), CheckRunner.AssemblyPath);
        Assert.True(File.Exists(Path.ChangeExtension(CheckRunner.AssemblyPath, ".runtimeconfig.json")));
    }

    [Fact]
    public async Task Drift_exits_2_with_a_json_report_on_redirected_stdout()
    {
        var (exitCode, stdout, _) = await Check(Case("v02-replicas-scaled-by-hand"));

        Assert.Equal(2, exitCode);
        var drift = Assert.Single(JsonSerializer.Deserialize<JsonElement>(stdout).GetProperty("drifts").EnumerateArray());
        Assert.Equal("/spec/replicas", drift.GetProperty("path").GetString());
    }

    [Fact]
    public async Task In_sync_state_exits_0()
    {
        var (exitCode, stdout, _) = await Check(Case("v01-in-sync-with-server-defaults"));

        Assert.Equal(0, exitCode);
        Assert.Empty(JsonSerializer.Deserialize<JsonElement>(stdout).GetProperty("drifts").EnumerateArray());
    }

    [Fact]
    public async Task Unreadable_input_exits_1()
    {
        var (exitCode, stdout, _) = await Check(Case("v01-in-sync-with-server-defaults").Desired, _dir.PathOf("missing.json"));

        Assert.Equal(1, exitCode);
        Assert.NotEmpty(JsonSerializer.Deserialize<JsonElement>(stdout).GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Unknown_option_exits_1()
    {
        var (desired, live) = Case("v01-in-sync-with-server-defaults");

        var (exitCode, _, stderr) = await CheckRunner.RunProcessAsync(_dir.Root, "check", "--desired", desired, "--live", live, "--no-such-option");

        Assert.Equal(1, exitCode);
        Assert.Contains("--no-such-option", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_format_exits_1()
    {
        var (desired, live) = Case("v02-replicas-scaled-by-hand");

        var (exitCode, _, stderr) = await CheckRunner.RunProcessAsync(_dir.Root, "check", "--desired", desired, "--live", live, "--format", "xml");

        Assert.Equal(1, exitCode);
        Assert.Contains("xml", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_digests_are_sha256_by_default_and_hmac_under_digest_key_file()
    {
        var desired = _dir.Write("desired/secret.yaml", Objects.Shop.Secret);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveSecret(Objects.Shop.RotatedPassword, passwordBy: "kubectl-edit")));
        var keyFile = _dir.Write("digest.key", "a-key-file-for-the-process-test\n");

        var plain = await Check(desired, live);
        var keyed = await CheckRunner.RunProcessAsync(_dir.Root, "check", "--desired", desired, "--live", live, "--digest-key-file", keyFile);

        Assert.Equal((2, 2), (plain.ExitCode, keyed.ExitCode));
        Assert.Matches("^sha256:[0-9a-f]{8}$", LiveValue(plain.Stdout));
        var expected = "hmac:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("a-key-file-for-the-process-test"u8, System.Text.Encoding.UTF8.GetBytes(Objects.Shop.RotatedPassword)))[..8];
        Assert.Equal(expected, LiveValue(keyed.Stdout));
    }

    private static string? LiveValue(string report) =>
        Assert.Single(JsonSerializer.Deserialize<JsonElement>(report).GetProperty("drifts").EnumerateArray(), d => d.GetProperty("path").GetString() == "/data/password").GetProperty("live").GetString();

    private static (string Desired, string Live) Case(string name) =>
        (Path.Combine(CheckRunner.CorpusDirectory, name, "desired.yaml"), Path.Combine(CheckRunner.CorpusDirectory, name, "live.json"));

    private Task<(int ExitCode, string Stdout, string Stderr)> Check((string Desired, string Live) input) => Check(input.Desired, input.Live);

    private Task<(int ExitCode, string Stdout, string Stderr)> Check(string desired, string live) =>
        CheckRunner.RunProcessAsync(_dir.Root, "check", "--desired", desired, "--live", live);
}
