using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Policy;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Comparison;

/// <summary>Two versions of one live object (as a drift was detected on it, and as it is now), compared by <see cref="DriftEngine.CompareVersions"/>.</summary>
public class VersionComparisonTests
{
    private const string ContainerImage = "/spec/template/spec/containers[name=web]/image";

    private static readonly DriftEngine Engine = new();

    private static MapNode Version(string yaml) => Drifts.Load("live.yaml", yaml).Manifests.Single().Root;

    private static IReadOnlyList<ChangedField> Changes(string before, string after) => Engine.CompareVersions(Version(before), Version(after));

    private static string[] Lines(IEnumerable<ChangedField> changes) => [.. changes.Select(c => $"{c.Path} {c.Before?.ToJson() ?? "-"} -> {c.After?.ToJson() ?? "-"}")];

    [Fact]
    public void A_version_whose_status_and_system_metadata_alone_moved_on_is_unchanged()
    {
        var now = LiveDeployment(Entry("kubectl-rollout", "f:metadata:\n  f:annotations: {}"))
            .Swap("resourceVersion: \"4711\"", "resourceVersion: \"4790\"")
            .Swap("generation: 3", "generation: 4")
            .Swap("uid: 0d5c1f3a-0000-4000-8000-000000000001", "uid: 0d5c1f3a-0000-4000-8000-000000000002")
            .Swap("creationTimestamp: \"2026-10-01T09:00:00Z\"", "creationTimestamp: \"2026-10-02T09:00:00Z\"")
            .Swap("readyReplicas: 2", "readyReplicas: 1");

        Assert.Empty(Changes(LiveDeployment(), now));
    }

    [Fact]
    public void A_changed_container_image_is_a_change_at_its_path_with_both_values()
    {
        var now = LiveDeployment().Swap("image: registry.example.com/web:1.0.0", "image: registry.example.com/web:1.1.0");

        Assert.Equal([$"{ContainerImage} \"registry.example.com/web:1.0.0\" -> \"registry.example.com/web:1.1.0\""], Lines(Changes(LiveDeployment(), now)));
    }

    [Fact]
    public void A_quantity_written_another_way_is_the_same_value()
    {
        var before = LiveDeployment().Swap("cpu: 250m", "cpu: 1000m").Swap("memory: 256Mi", "memory: 1Gi");
        var now = LiveDeployment().Swap("cpu: 250m", "cpu: \"1\"").Swap("memory: 256Mi", "memory: 1024Mi");

        Assert.Empty(Changes(before, now));
    }

    [Fact]
    public void A_changed_quantity_is_shown_canonical()
    {
        var now = LiveDeployment().Swap("cpu: 250m", "cpu: 0.5");

        Assert.Equal(["/spec/template/spec/containers[name=web]/resources/requests/cpu \"250m\" -> \"500m\""], Lines(Changes(LiveDeployment(), now)));
    }

    [Fact]
    public void A_keyed_list_item_added_or_removed_is_a_change_at_the_item_by_its_name()
    {
        var withDebug = LiveDeployment(container: DefaultLiveContainer.Swap("  - name: LOG_LEVEL\n    value: info", "  - name: LOG_LEVEL\n    value: info\n  - name: DEBUG\n    value: \"1\""));
        const string Env = "/spec/template/spec/containers[name=web]/env[name=DEBUG]";

        Assert.Equal([$"{Env} - -> {{\"name\":\"DEBUG\",\"value\":\"1\"}}"], Lines(Changes(LiveDeployment(), withDebug)));
        Assert.Equal([$"{Env} {{\"name\":\"DEBUG\",\"value\":\"1\"}} -> -"], Lines(Changes(withDebug, LiveDeployment())));
    }

    [Fact]
    public void Keyed_list_items_in_another_order_are_unchanged()
    {
        var twoVars = LiveDeployment(container: DefaultLiveContainer.Swap("  - name: LOG_LEVEL\n    value: info", "  - name: LOG_LEVEL\n    value: info\n  - name: REGION\n    value: eu"));
        var reordered = LiveDeployment(container: DefaultLiveContainer.Swap("  - name: LOG_LEVEL\n    value: info", "  - name: REGION\n    value: eu\n  - name: LOG_LEVEL\n    value: info"));

        Assert.Empty(Changes(twoVars, reordered));
    }

    [Fact]
    public void An_atomic_list_that_changed_is_one_change_of_the_whole_list()
    {
        var now = LiveDeployment().Swap("args: [\"--port\", \"8080\"]", "args: [\"--port\", \"9090\"]");

        Assert.Equal(["/spec/template/spec/containers[name=web]/args [\"--port\",\"8080\"] -> [\"--port\",\"9090\"]"], Lines(Changes(LiveDeployment(), now)));
    }

    [Fact]
    public void A_field_absent_in_one_version_and_at_its_server_default_in_the_other_is_unchanged()
    {
        var withoutDefaults = LiveDeployment(container: DefaultLiveContainer.Swap("\n    protocol: TCP", string.Empty)).Swap("\n  progressDeadlineSeconds: 600", string.Empty);

        Assert.Empty(Changes(LiveDeployment(), withoutDefaults));
    }

    [Fact]
    public void An_empty_value_is_the_same_as_an_absent_one()
    {
        var now = LiveDeployment(metadataExtra: "finalizers: []").Swap("\n      securityContext: {}", string.Empty);

        Assert.Empty(Changes(LiveDeployment(), now));
    }

    [Fact]
    public void An_object_made_or_deleted_in_between_is_a_change_of_the_whole_object()
    {
        var live = Version(LiveDeployment());

        Assert.Equal([string.Empty], Engine.CompareVersions(null, live).Select(c => c.Path));
        Assert.Equal([(true, false)], Engine.CompareVersions(live, null).Select(c => (c.Before is not null, c.After is not null)));
        Assert.Empty(Engine.CompareVersions(null, null));
    }

    [Fact]
    public void Service_ports_are_matched_by_number_and_protocol()
    {
        static string Dns(string udpTarget) => $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: dns, namespace: shop}
            spec:
              ports:
              - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}
              - {name: dns, port: 53, protocol: UDP, targetPort: {{udpTarget}}}
            """;

        Assert.Equal(["/spec/ports[port=53,protocol=UDP]/targetPort 5353 -> 53"], Lines(Changes(Dns("5353"), Dns("53"))));
    }

    private const string HmacKey = "the-version-comparison-tests-key";

    private static string Secret(string password) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: {name: db, namespace: shop}
        type: Opaque
        data:
          username: {{Base64("app")}}
          password: {{password}}
        """;

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_changed_secret_value_is_shown_by_its_digest_only()
    {
        var digest = SecretDigest.Hmac(System.Text.Encoding.UTF8.GetBytes(HmacKey));
        var engine = new DriftEngine(DriftPolicy.Default with { SecretDigest = digest });

        var change = Assert.Single(engine.CompareVersions(Version(Secret(Base64("hunter2-first"))), Version(Secret(Base64("hunter2-rotated")))));

        Assert.Equal("/data/password", change.Path);
        Assert.Equal(
            ($"\"{SecretValues.DigestOfData(Base64("hunter2-first"), digest)}\"", $"\"{SecretValues.DigestOfData(Base64("hunter2-rotated"), digest)}\""),
            (change.Before!.ToJson(), change.After!.ToJson()));
        Assert.DoesNotContain("hunter2", $"{change}", StringComparison.Ordinal);
        Assert.DoesNotContain(Base64("hunter2-first"), $"{change}", StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_value_written_as_other_base64_or_sealed_is_the_same_value()
    {
        var digest = SecretDigest.Hmac(System.Text.Encoding.UTF8.GetBytes(HmacKey));
        var engine = new DriftEngine(DriftPolicy.Default with { SecretDigest = digest });
        var raw = Version(Secret(Base64("correct-horse-battery")));
        var wrapped = Base64("correct-horse-battery");
        var rewrapped = Version(Secret($"\"{wrapped[..8]}\\n{wrapped[8..]}\""));

        Assert.Empty(engine.CompareVersions(raw, rewrapped));
        Assert.Empty(engine.CompareVersions(SecretValues.Seal(raw, digest), raw));
    }

    [Fact]
    public void A_secret_sealed_under_another_key_is_never_the_same_value()
    {
        var raw = Version(Secret(Base64("correct-horse-battery")));
        var sealedElsewhere = SecretValues.Seal(raw, SecretDigest.Hmac("another-installation-key-entirely"u8));
        var engine = new DriftEngine(DriftPolicy.Default with { SecretDigest = SecretDigest.Hmac(System.Text.Encoding.UTF8.GetBytes(HmacKey)) });

        Assert.Equal(["/data/password", "/data/username"], engine.CompareVersions(sealedElsewhere, raw).Select(c => c.Path));
    }
}
