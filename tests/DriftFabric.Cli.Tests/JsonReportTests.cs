using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>The JSON report of the CLI contract: values, summary, stability and Secret redaction.</summary>
public sealed partial class JsonReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Summary_counts_resources_drifted_resources_drifts_and_severities()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);

        var run = CheckRunner.Check(desired, live);

        Assert.Equal(
            [
                (Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath, "Modified"),
                (Objects.Shop.WebDeployment, Objects.Shop.ImagePath, "Modified"),
                (Objects.Shop.DebugConfig, string.Empty, "Unmanaged"),
                (Objects.Shop.WebConfig, string.Empty, "Missing"),
                (Objects.Shop.WebDb, "/data/password", "Modified"),
            ],
            run.DriftKeys);
        var summary = run.Summary;
        Assert.Equal(5, summary.GetProperty("resources").GetInt32());
        Assert.Equal(4, summary.GetProperty("drifted").GetInt32());
        Assert.Equal(5, summary.GetProperty("drifts").GetInt32());
        var bySeverity = summary.GetProperty("bySeverity");
        Assert.Equal(1, bySeverity.GetProperty("critical").GetInt32());
        Assert.Equal(3, bySeverity.GetProperty("high").GetInt32());
        Assert.Equal(1, bySeverity.GetProperty("medium").GetInt32());
        Assert.Equal(0, bySeverity.GetProperty("low").GetInt32());
    }

    [Fact]
    public void Two_runs_on_the_same_input_print_the_same_bytes()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);

        var first = CheckRunner.Check(desired, live).Output;
        var second = CheckRunner.Check(desired, live).Output;

        Assert.Equal(first, second);
    }

    [Fact]
    public void Desired_and_live_values_are_absent_where_that_side_of_a_field_is_absent()
    {
        var desired = _dir.Write("desired/configmap.yaml", Objects.Shop.ConfigMap);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveConfigMap(
            "web-config",
            ("greeting", "hello", Objects.Applied),
            ("debug", "true", "kubectl-edit"))));

        var run = CheckRunner.Check(desired, live);

        var missing = run.Drift(Objects.Shop.WebConfig, "/data/theme");
        Assert.Equal("Missing", missing.GetProperty("kind").GetString());
        Assert.Equal("dark", missing.GetProperty("desired").GetString());
        Assert.False(missing.TryGetProperty("live", out _));

        var added = run.Drift(Objects.Shop.WebConfig, "/data/debug");
        Assert.Equal("Added", added.GetProperty("kind").GetString());
        Assert.Equal("true", added.GetProperty("live").GetString());
        Assert.False(added.TryGetProperty("desired", out _));
    }

    [Fact]
    public void Modified_value_carries_both_sides_normalized()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var drift = CheckRunner.Check(desired, live).Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);

        Assert.Equal(2, drift.GetProperty("desired").GetInt32());
        Assert.Equal(5, drift.GetProperty("live").GetInt32());
    }

    [Fact]
    public void Whole_resource_drifts_have_no_value_for_the_absent_side()
    {
        var (desired, live) = Objects.Shop.WriteIncident(_dir);

        var run = CheckRunner.Check(desired, live);

        Assert.False(run.Drift(Objects.Shop.WebConfig, string.Empty).TryGetProperty("live", out _));
        Assert.False(run.Drift(Objects.Shop.DebugConfig, string.Empty).TryGetProperty("desired", out _));
    }

    [Fact]
    public void Drift_names_the_manager_and_time_of_the_change_from_managed_fields()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, replicasBy: "kubectl-scale")));

        var drift = CheckRunner.Check(desired, live).Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);

        Assert.Equal("kubectl-scale", drift.GetProperty("manager").GetString());
        Assert.Equal(Objects.EditedAt, drift.GetProperty("changedAt").GetString());
    }

    [Fact]
    public void Drift_without_managed_fields_has_no_manager_or_time()
    {
        var desired = _dir.Write("desired/deployment.yaml", Objects.Shop.Deployment());
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveDeployment(replicas: 5, managedFields: false)));

        var drift = CheckRunner.Check(desired, live).Drift(Objects.Shop.WebDeployment, Objects.Shop.ReplicasPath);

        Assert.False(drift.TryGetProperty("manager", out _));
        Assert.False(drift.TryGetProperty("changedAt", out _));
    }

    [Fact]
    public void Secret_values_appear_only_as_short_sha256_digests()
    {
        var desired = _dir.Write("desired/secret.yaml", Objects.Shop.Secret);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveSecret(Objects.Shop.RotatedPassword, passwordBy: "kubectl-edit")));

        var drift = CheckRunner.Check(desired, live).Drift(Objects.Shop.WebDb, "/data/password");

        Assert.Equal(Digest(Objects.Shop.DbPassword), drift.GetProperty("desired").GetString());
        Assert.Equal(Digest(Objects.Shop.RotatedPassword), drift.GetProperty("live").GetString());
        Assert.Matches(ShortDigest(), drift.GetProperty("desired").GetString());
        Assert.Matches(ShortDigest(), drift.GetProperty("live").GetString());
    }

    [Fact]
    public void With_a_digest_key_file_secret_values_appear_as_hmac_digests_under_its_key()
    {
        var desired = _dir.Write("desired/secret.yaml", Objects.Shop.Secret);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveSecret(Objects.Shop.RotatedPassword, passwordBy: "kubectl-edit")));
        var keyFile = _dir.Write("digest.key", DigestKey + "\n");

        var run = CheckRunner.Check(desired, live, digestKeyFile: keyFile);

        var drift = run.Drift(Objects.Shop.WebDb, "/data/password");
        Assert.Equal(Hmac(Objects.Shop.DbPassword), drift.GetProperty("desired").GetString());
        Assert.Equal(Hmac(Objects.Shop.RotatedPassword), drift.GetProperty("live").GetString());
        Assert.NotEqual(Digest(Objects.Shop.RotatedPassword)["sha256:".Length..], drift.GetProperty("live").GetString()!["hmac:".Length..]);
        Assert.DoesNotContain("sha256:", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(DigestKey, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_digest_key_file_that_is_too_short_or_missing_makes_the_run_untrusted_without_showing_the_key()
    {
        var desired = _dir.Write("desired/secret.yaml", Objects.Shop.Secret);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveSecret(Objects.Shop.RotatedPassword, passwordBy: "kubectl-edit")));
        var shortKey = _dir.Write("short.key", "tiny-key-9\n");

        var tooShort = CheckRunner.Check(desired, live, digestKeyFile: shortKey);
        var missing = CheckRunner.Check(desired, live, digestKeyFile: _dir.PathOf("no-such.key"));

        Assert.Equal((1, 1), (tooShort.ExitCode, missing.ExitCode));
        Assert.Contains("at least 16 bytes", Assert.Single(tooShort.Errors).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("no-such.key", Assert.Single(missing.Errors).GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("tiny-key-9", tooShort.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("table")]
    [InlineData("sarif")]
    [InlineData("junit")]
    public void Secret_values_never_appear_in_any_format(string format)
    {
        var desired = _dir.Write("desired/secret.yaml", Objects.Shop.Secret);
        var live = _dir.Write("live.json", Objects.List(Objects.Shop.LiveSecret(Objects.Shop.RotatedPassword, passwordBy: "kubectl-edit")));

        var run = CheckRunner.Check(desired, live, format);

        Assert.Equal(2, run.ExitCode);
        foreach (var secret in new[] { Objects.Shop.DbPassword, Objects.Shop.RotatedPassword, Objects.Base64(Objects.Shop.DbPassword), Objects.Base64(Objects.Shop.RotatedPassword) })
        {
            Assert.DoesNotContain(secret, run.Output, StringComparison.Ordinal);
        }
    }

    private const string DigestKey = "an-installation-key-for-check-tests";

    private static string Hmac(string value) =>
        "hmac:" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(DigestKey), Encoding.UTF8.GetBytes(value)))[..8];

    private static string Digest(string value) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..8];

    [GeneratedRegex("^sha256:[0-9a-f]{8}$")]
    private static partial Regex ShortDigest();
}
