using DriftFabric.Engine.Comparison;

namespace DriftFabric.Engine.Tests.Comparison;

public class SecretTests
{
    private const string Desired = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
          namespace: shop
        type: Opaque
        stringData:
          username: app
          password: correct-horse-battery
        """;

    private static string Live(string data, string editedField = "password") => """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
          namespace: shop
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"password":"correct-horse-battery","username":"app"}}'
          managedFields:
          - manager: kubectl-client-side-apply
            operation: Update
            time: "2026-10-01T09:00:00Z"
            fieldsV1:
              f:metadata:
                f:annotations:
                  f:kubectl.kubernetes.io/last-applied-configuration: {}
              f:type: {}
              f:data:
                f:username: {}
          - manager: kubectl-edit
            operation: Update
            time: "2026-11-02T03:12:44Z"
            fieldsV1:
              f:data:
                f:EDITED: {}
        type: Opaque
        DATA
        """.Replace("EDITED", editedField, StringComparison.Ordinal).Replace("DATA", data, StringComparison.Ordinal);

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public void String_data_equals_live_data_holding_its_base64()
    {
        var live = Live($"data: {{username: {Base64("app")}, password: {Base64("correct-horse-battery")}}}");
        Assert.Empty(Drifts.Of(Desired, live));
    }

    [Fact]
    public void Data_written_as_other_base64_text_of_the_same_bytes_is_not_drift()
    {
        // Wrapped base64 reads as the same bytes: the texts differ, the values do not.
        var wrapped = Base64("correct-horse-battery").Insert(8, "\\n");
        var live = $"apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: shop}}\ntype: Opaque\ndata: {{username: {Base64("app")}, password: \"{wrapped}\"}}\n";
        Assert.Empty(Drifts.Of(Desired, live));
        Assert.Empty(Drifts.Of(Desired, Live($"data: {{username: {Base64("app")}, password: \"{wrapped}\"}}")));
    }

    [Fact]
    public void Rotated_key_is_critical_at_its_data_path_and_shows_only_digests()
    {
        var live = Live($"data: {{username: {Base64("app")}, password: {Base64("rotated-77")}}}");

        var drift = Drifts.Single(Desired, live);

        Assert.Equal(("/data/password", DriftKind.Modified, Severity.Critical, "kubectl-edit"), (drift.Path, drift.Kind, drift.Severity, drift.Manager));
        Assert.Equal($"\"{SecretValues.DigestOfText("correct-horse-battery", SecretDigest.Sha256)}\"", drift.Desired!.ToJson());
        Assert.Equal($"\"{SecretValues.DigestOfText("rotated-77", SecretDigest.Sha256)}\"", drift.Live!.ToJson());
        Assert.Matches("^\"sha256:[0-9a-f]{8}\"$", drift.Live.ToJson());
    }

    [Fact]
    public void Each_key_is_missing_on_its_own_when_live_has_no_data()
    {
        var drifts = Drifts.Of(Desired, Live(string.Empty));
        Assert.Equal(["/data/password", "/data/username"], drifts.Select(d => d.Path));
        Assert.All(drifts, d => Assert.Equal(DriftKind.Missing, d.Kind));
        Assert.All(drifts, d => Assert.StartsWith("\"sha256:", d.Desired!.ToJson(), StringComparison.Ordinal));
    }

    [Fact]
    public void Key_added_by_hand_is_added_at_its_own_path_with_a_digest()
    {
        var live = Live($"data: {{username: {Base64("app")}, password: {Base64("correct-horse-battery")}, token: {Base64("s3cr3t-token")}}}", editedField: "token");

        var drift = Drifts.Single(Desired, live);

        Assert.Equal(("/data/token", DriftKind.Added), (drift.Path, drift.Kind));
        Assert.Equal($"\"{SecretValues.DigestOfText("s3cr3t-token", SecretDigest.Sha256)}\"", drift.Live!.ToJson());
    }

    [Fact]
    public void No_secret_value_appears_in_any_drift_even_the_last_applied_annotation()
    {
        // Someone re-annotated the Secret by hand: the annotation holds the plaintext values.
        var live = Live($"data: {{username: {Base64("app")}, password: {Base64("rotated-77")}}}")
            .Swap("        f:password: {}", "        f:password: {}\n      f:metadata: {f:annotations: {f:kubectl.kubernetes.io/last-applied-configuration: {}}}");
        var desired = Desired.Swap("  namespace: shop\n", "  namespace: shop\n  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"stringData\":{\"password\":\"hunter2\"}}'}\n");

        var drifts = Drifts.Of(desired, live);
        var text = string.Join('\n', drifts.Select(d => $"{d.Desired} {d.Live}"));

        Assert.Contains(drifts, d => d.Path == "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration");

        Assert.Contains("sha256:", text, StringComparison.Ordinal);
        foreach (var secret in new[] { "correct-horse-battery", "rotated-77", "hunter2", Base64("rotated-77"), Base64("correct-horse-battery") })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_keyed_digest_shows_hmac_under_the_key_and_never_the_sha256_of_the_value()
    {
        var live = Live($"data: {{username: {Base64("app")}, password: {Base64("rotated-77")}}}");
        var digest = SecretDigest.Hmac(Key);

        var drift = Assert.Single(Drifts.Of(Desired, live, new Engine.Policy.DriftPolicy { SecretDigest = digest }));

        Assert.Equal($"\"{Hmac(Key, "rotated-77")}\"", drift.Live!.ToJson());
        Assert.Equal($"\"{Hmac(Key, "correct-horse-battery")}\"", drift.Desired!.ToJson());
        Assert.NotEqual(SecretValues.DigestOfText("rotated-77", SecretDigest.Sha256)[7..], drift.Live.ToJson()[6..14]);
        Assert.NotEqual(drift.Live.ToJson(), Assert.Single(Drifts.Of(Desired, live, new Engine.Policy.DriftPolicy { SecretDigest = SecretDigest.Hmac(OtherKey) })).Live!.ToJson());
    }

    [Fact]
    public void A_key_reads_the_same_with_a_final_newline_and_is_never_shown()
    {
        var digest = SecretDigest.Hmac(Key);
        var withNewline = SecretDigest.Hmac([.. Key, .. "\n"u8]);

        Assert.Equal(digest.KeyId, withNewline.KeyId);
        Assert.Equal(SecretValues.DigestOfText("x", digest), SecretValues.DigestOfText("x", withNewline));
        Assert.NotEqual(digest.KeyId, SecretDigest.Hmac(OtherKey).KeyId);
        Assert.DoesNotContain(System.Text.Encoding.ASCII.GetString(Key), digest.ToString(), StringComparison.Ordinal);
        Assert.Equal("hmac (key " + digest.KeyId + ")", digest.ToString());
        Assert.NotNull(SecretDigest.KeyProblem("short-key \n"u8));
        Assert.Throws<ArgumentException>(() => SecretDigest.Hmac("   "u8));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sealed_secrets_compare_and_report_exactly_as_the_originals(bool keyed)
    {
        var digest = keyed ? SecretDigest.Hmac(Key) : SecretDigest.Sha256;
        var policy = new Engine.Policy.DriftPolicy { SecretDigest = digest };
        var live = Live($"data: {{username: {Base64("app")}, password: {Base64("rotated-77")}}}");
        var desired = Drifts.Load("desired.yaml", Desired).Manifests;
        var actual = Drifts.Load("live.yaml", live).Manifests;
        AssertSealingHidesValues(desired, digest);
        AssertSealingHidesValues(actual, digest);

        var plain = Assert.Single(Drifts.Of(Desired, live, policy));
        var sealedResult = new DriftEngine(policy).Check(
            [.. desired.Select(m => new Engine.Manifests.Manifest(SecretValues.Seal(m.Root, digest), m.Location))],
            [.. actual.Select(m => new Engine.Manifests.Manifest(SecretValues.Seal(m.Root, digest), m.Location))]);

        var drift = Assert.Single(sealedResult.Drifts);
        Assert.Equal((plain.Path, plain.Kind, plain.Desired!.ToJson(), plain.Live!.ToJson()), (drift.Path, drift.Kind, drift.Desired!.ToJson(), drift.Live!.ToJson()));
        Assert.StartsWith("\"" + digest.Prefix, drift.Live.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sealing_a_sealed_secret_changes_nothing(bool keyed)
    {
        var digest = keyed ? SecretDigest.Hmac(Key) : SecretDigest.Sha256;
        var live = Drifts.Load("live.yaml", Live($"data: {{username: {Base64("app")}, password: {Base64("rotated-77")}}}")).Manifests[0].Root;

        var once = SecretValues.Seal(live, digest);

        Assert.Equal(once.ToJson(), SecretValues.Seal(once, digest).ToJson());
    }

    [Fact]
    public void Values_sealed_under_different_keys_never_compare_equal()
    {
        var data = $"data: {{username: {Base64("app")}, password: {Base64("correct-horse-battery")}}}";
        var desired = Drifts.Load("desired.yaml", Desired).Manifests[0];
        var live = Drifts.Load("live.yaml", Live(data)).Manifests[0];
        var ours = SecretDigest.Hmac(Key);
        var policy = new Engine.Policy.DriftPolicy { SecretDigest = ours };

        // The same values, sealed under the same key, are in sync; under another key or plain SHA-256 they are not.
        foreach (var (other, expected) in new[] { (ours, 0), (SecretDigest.Hmac(OtherKey), 2), (SecretDigest.Sha256, 2) })
        {
            var drifts = new DriftEngine(policy).Check(
                [new Engine.Manifests.Manifest(SecretValues.Seal(desired.Root, ours), desired.Location)],
                [new Engine.Manifests.Manifest(SecretValues.Seal(live.Root, other), live.Location)]).Drifts;
            Assert.Equal(expected, drifts.Count(d => d.Path.StartsWith("/data/", StringComparison.Ordinal)));
            Assert.All(drifts.Where(d => d.Path.StartsWith("/data/", StringComparison.Ordinal)), d => Assert.StartsWith("\"hmac:", d.Live!.ToJson(), StringComparison.Ordinal));
        }
    }

    private static readonly byte[] Key = "0123456789abcdef0123456789abcdef"u8.ToArray();

    private static readonly byte[] OtherKey = "another-installation-key-000000"u8.ToArray();

    private static string Hmac(byte[] key, string value) =>
        "hmac:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes(value)))[..8];

    private static void AssertSealingHidesValues(List<Engine.Manifests.Manifest> manifests, SecretDigest digest)
    {
        foreach (var manifest in manifests)
        {
            var text = SecretValues.Seal(manifest.Root, digest).ToJson();
            Assert.DoesNotContain("correct-horse-battery", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Base64("rotated-77"), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Base64("app"), text, StringComparison.Ordinal);
        }
    }
}
