using System.Text.Json.Nodes;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;
using DriftFabric.Grains.Remediation;
using DriftFabric.Sources.Kubernetes;
using k8s;

namespace DriftFabric.Grains.Tests.Remediation;

/// <summary>
/// Reverting through server-side apply, against the in-process API server (apply with field
/// managers, force, dry run, resourceVersion preconditions and conflicts as the real one words them).
/// </summary>
public sealed class KubeReverterTests : IAsyncLifetime
{
    private const string Resource = "apps/Deployment/shop/web";
    private const string Desired = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},
         "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"web:1"}]}}}}
        """;

    private static readonly KubeTarget Deployments = new("apps", "v1", "Deployment", "deployments", true, "shop");
    private static readonly KubeTarget ConfigMaps = new(string.Empty, "v1", "ConfigMap", "configmaps", true, "shop");
    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.BaseUri.ToString() });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static readonly SecretDigest Digest = SecretDigest.Hmac("the-kube-reverter-tests-installation-key"u8);

    private KubeReverter Reverter => new(_client, Digest);

    /// <summary>The pipeline applied the code; then someone scaled by hand: replicas drifted, owned by kubectl-scale.</summary>
    private JsonObject ScaledByHand()
    {
        _server.Put(Desired, manager: "ci-deployer");
        return _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 6, manager: "kubectl-scale");
    }

    private JsonObject Web() => _server.Get("apps/v1", "Deployment", "shop", "web")!;

    [Fact]
    public async Task A_dry_run_shows_exactly_what_would_change_and_writes_nothing()
    {
        var live = ScaledByHand();
        var version = _server.ResourceVersion;

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: true);

        Assert.Equal(RemediationOutcome.WouldChange, result.Outcome);
        Assert.Equal([new FieldChange("/spec/replicas", "6", "2")], result.Changes);
        Assert.Contains("taking them from their out-of-band managers", result.Message, StringComparison.Ordinal);
        Assert.Equal((6, version), ((int)Web()["spec"]!["replicas"]!, _server.ResourceVersion));
    }

    [Fact]
    public async Task Reverting_applies_the_code_as_driftfabric_and_takes_the_drifted_field_from_its_manager()
    {
        var live = ScaledByHand();

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal(RemediationOutcome.Reverted, result.Outcome);
        Assert.Equal([new FieldChange("/spec/replicas", "6", "2")], result.Changes);
        var web = Web();
        Assert.Equal(2, (int)web["spec"]!["replicas"]!);
        var managers = web["metadata"]!["managedFields"]!.AsArray().ToDictionary(m => (string)m!["manager"]!, m => m!);
        Assert.Equal("Apply", (string?)managers[KubeReverter.FieldManager]["operation"]);
        Assert.NotNull(managers[KubeReverter.FieldManager]["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.False(managers.ContainsKey("kubectl-scale"), "kubectl-scale owned only replicas, which the revert took");
    }

    [Fact]
    public async Task Fields_added_outside_the_code_are_removed_too_after_a_dry_run_that_shows_them()
    {
        ScaledByHand();
        var live = _server.Edit("apps/v1", "Deployment", "shop", "web", d =>
        {
            d["spec"]!["minReadySeconds"] = 30;
            d["spec"]!["template"]!["spec"]!["containers"]![0]!["env"] = new JsonArray(new JsonObject { ["name"] = "DEBUG", ["value"] = "1" });
        }, manager: "kubectl-edit");
        string[] added = ["/spec/minReadySeconds", "/spec/template/spec/containers[name=web]/env"];
        var request = new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas", .. added]) { AddedPaths = added };

        var preview = await Reverter.RevertAsync(Deployments, request, dryRun: true);
        var untouched = Web()["spec"]!["minReadySeconds"] is not null;
        var result = await Reverter.RevertAsync(Deployments, request, dryRun: false);

        Assert.Equal((RemediationOutcome.WouldChange, true), (preview.Outcome, untouched));
        Assert.Equal(["/spec/minReadySeconds", "/spec/replicas", "/spec/template/spec/containers[name=web]/env"], preview.Changes.Select(c => c.Path).Order(StringComparer.Ordinal));
        Assert.Equal(RemediationOutcome.Reverted, result.Outcome);
        var web = Web();
        Assert.Equal((2, false, false), ((int)web["spec"]!["replicas"]!, web["spec"]!.AsObject().ContainsKey("minReadySeconds"), web["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject().ContainsKey("env")));
    }

    [Fact]
    public async Task A_change_made_after_detection_is_reported_and_never_overwritten()
    {
        var live = ScaledByHand();
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "web:2", manager: "kubectl-set");

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal(RemediationOutcome.ChangedSinceDetection, result.Outcome);
        Assert.Equal([new FieldChange("/spec/template/spec/containers[name=web]/image", "\"web:1\"", "\"web:2\"")], result.Changes);
        Assert.Equal((6, "web:2"), ((int)Web()["spec"]!["replicas"]!, (string)Web()["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!));
    }

    [Fact]
    public async Task An_object_deleted_after_detection_is_reported_and_not_made_again()
    {
        var live = ScaledByHand();
        _server.Delete("apps/v1", "Deployment", "shop", "web");

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal(RemediationOutcome.ChangedSinceDetection, result.Outcome);
        Assert.Equal("not reverted: the object changed after the drift was detected (deleted); it is judged again first", result.Message);
        Assert.Equal([(string.Empty, true, false)], result.Changes.Select(c => (c.Path, c.From is not null, c.To is not null)));
        Assert.Null(_server.Get("apps/v1", "Deployment", "shop", "web"));
    }

    [Fact]
    public async Task A_quantity_written_another_way_since_detection_is_no_change()
    {
        const string Sized = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},
             "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"web:1","resources":{"limits":{"cpu":"1"}}}]}}}}
            """;
        _server.Put(Sized, manager: "ci-deployer");
        var live = _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 6, manager: "kubectl-scale");
        // The object as detected wrote the same CPU limit in millicores.
        var detected = live.ToJsonString().Replace("\"cpu\":\"1\"", "\"cpu\":\"1000m\"", StringComparison.Ordinal);

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Sized, detected, ["/spec/replicas"]), dryRun: true);

        Assert.Contains("\"cpu\":\"1000m\"", detected, StringComparison.Ordinal);
        Assert.Equal(RemediationOutcome.WouldChange, result.Outcome);
        Assert.Equal([new FieldChange("/spec/replicas", "6", "2")], result.Changes);
    }

    [Fact]
    public async Task An_object_changed_back_to_the_code_since_detection_is_in_sync_and_nothing_is_written()
    {
        var live = ScaledByHand();
        // A revert before this one (or its owner) put it back; the watch has not told the fabric yet.
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["replicas"] = 2, manager: "kubectl-scale");
        var version = _server.ResourceVersion;

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal((RemediationOutcome.InSync, version), (result.Outcome, _server.ResourceVersion));
    }

    [Fact]
    public async Task A_status_update_since_detection_is_no_change_to_the_object()
    {
        var live = ScaledByHand();
        // The controller reports on its rollout: status and resourceVersion move, nothing else.
        _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["status"] = new JsonObject { ["replicas"] = 6 }, manager: "kube-controller-manager", subresource: "status");

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal(RemediationOutcome.Reverted, result.Outcome);
        Assert.Equal(2, (int)Web()["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task A_conflict_on_a_field_that_did_not_drift_leaves_the_object_alone()
    {
        ScaledByHand();
        var live = _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "web:2", manager: "kubectl-set");

        // Asked to revert replicas only: the image differs too, and belongs to kubectl-set.
        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal(RemediationOutcome.Contested, result.Outcome);
        Assert.Contains(".spec.template.spec.containers[name=\"web\"].image is owned by kubectl-set", result.Message, StringComparison.Ordinal);
        Assert.Equal(6, (int)Web()["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task A_missing_object_is_created_from_the_code_and_an_object_in_sync_is_left_alone()
    {
        var created = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, null, [string.Empty]), dryRun: false);
        var again = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, Web().ToJsonString(), []), dryRun: true);

        Assert.Equal(RemediationOutcome.Reverted, created.Outcome);
        Assert.Equal(2, (int)Web()["spec"]!["replicas"]!);
        Assert.Equal(RemediationOutcome.InSync, again.Outcome);
    }

    [Fact]
    public async Task A_core_object_is_reverted_through_its_typed_api_and_a_secret_is_never_written()
    {
        const string Config = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-config","namespace":"shop"},"data":{"mode":"safe"}}""";
        _server.Put(Config, manager: "ci-deployer");
        var live = _server.Edit("v1", "ConfigMap", "shop", "web-config", c => c["data"]!["mode"] = "debug", manager: "kubectl-edit");

        var reverted = await Reverter.RevertAsync(ConfigMaps, new RevertRequest("core/ConfigMap/shop/web-config", Config, live.ToJsonString(), ["/data/mode"]), dryRun: false);
        var secret = await Reverter.RevertAsync(ConfigMaps with { Kind = "Secret", Plural = "secrets" }, new RevertRequest("core/Secret/shop/db", "{}", null, ["/data/password"]), dryRun: false);

        Assert.Equal((RemediationOutcome.Reverted, "safe"), (reverted.Outcome, (string?)_server.Get("v1", "ConfigMap", "shop", "web-config")!["data"]!["mode"]));
        Assert.Equal([new FieldChange("/data/mode", "\"debug\"", "\"safe\"")], reverted.Changes);
        Assert.Equal(RemediationOutcome.Skipped, secret.Outcome);
    }

    [Fact]
    public async Task Ports_are_reverted_and_removed_by_number_and_protocol()
    {
        const string Dns = """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"dns","namespace":"shop"},
             "spec":{"selector":{"app":"dns"},"ports":[{"name":"dns-tcp","port":53,"targetPort":5353},{"name":"dns","port":53,"protocol":"UDP","targetPort":5353},
               {"name":"metrics","port":9153,"targetPort":9153}]}}
            """;
        var services = ConfigMaps with { Kind = "Service", Plural = "services" };
        _server.Put(Dns, manager: "ci-deployer");
        var live = _server.Edit("v1", "Service", "shop", "dns", s =>
        {
            var ports = s["spec"]!["ports"]!.AsArray();
            ports[1]!["targetPort"] = 53;
            ports.Add(new JsonObject { ["name"] = "metrics-udp", ["port"] = 9153, ["protocol"] = "UDP", ["targetPort"] = 9153 });
        }, manager: "kubectl-edit");
        string[] added = ["/spec/ports[port=9153,protocol=UDP]"];
        var request = new RevertRequest("core/Service/shop/dns", Dns, live.ToJsonString(), ["/spec/ports[port=53,protocol=UDP]/targetPort", .. added]) { AddedPaths = added };

        var result = await Reverter.RevertAsync(services, request, dryRun: false);

        Assert.Equal(RemediationOutcome.Reverted, result.Outcome);
        var ports = _server.Get("v1", "Service", "shop", "dns")!["spec"]!["ports"]!.AsArray()
            .Select(p => $"{p!["port"]}/{p["protocol"] ?? "TCP"}->{p["targetPort"]}").Order(StringComparer.Ordinal);
        Assert.Equal(["53/TCP->5353", "53/UDP->5353", "9153/TCP->9153"], ports);
    }

    [Fact]
    public async Task An_object_not_in_the_code_is_deleted_only_as_it_was_seen_after_a_dry_run()
    {
        _server.Put(Objects.ConfigMap("debug-flags", "shop", "web"), manager: "kubectl-create");
        var seen = _server.Get("v1", "ConfigMap", "shop", "debug-flags")!.ToJsonString();

        var preview = await Reverter.DeleteAsync(ConfigMaps, "core/ConfigMap/shop/debug-flags", seen, dryRun: true);
        var stillThere = _server.Get("v1", "ConfigMap", "shop", "debug-flags") is not null;
        _server.Edit("v1", "ConfigMap", "shop", "debug-flags", c => c["data"] = new JsonObject { ["verbose"] = "true" }, manager: "kubectl-edit");
        var changed = await Reverter.DeleteAsync(ConfigMaps, "core/ConfigMap/shop/debug-flags", seen, dryRun: false);
        var deleted = await Reverter.DeleteAsync(ConfigMaps, "core/ConfigMap/shop/debug-flags", _server.Get("v1", "ConfigMap", "shop", "debug-flags")!.ToJsonString(), dryRun: false);

        Assert.Equal((RemediationOutcome.WouldChange, true), (preview.Outcome, stillThere));
        Assert.Equal(RemediationOutcome.ChangedSinceDetection, changed.Outcome);
        Assert.Equal(RemediationOutcome.Reverted, deleted.Outcome);
        Assert.Null(_server.Get("v1", "ConfigMap", "shop", "debug-flags"));
    }

    [Fact]
    public async Task A_drifted_annotation_whose_key_holds_a_slash_is_taken_from_its_manager_by_force()
    {
        var desired = Annotated("team-a");
        _server.Put(desired, manager: "ci-deployer");
        var live = _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["metadata"]!["annotations"]!["example.com/owner"] = "team-b", manager: "kubectl-annotate");
        var drifted = PathStep.Format([PathStep.Field("metadata"), PathStep.Field("annotations"), PathStep.Field("example.com/owner")]);

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, desired, live.ToJsonString(), [drifted]), dryRun: false);

        Assert.Equal("/metadata/annotations/example.com~1owner", drifted);
        Assert.Equal((RemediationOutcome.Reverted, "team-a"), (result.Outcome, (string?)Web()["metadata"]!["annotations"]!["example.com/owner"]));
        Assert.Equal([new FieldChange(drifted, "\"team-b\"", "\"team-a\"")], result.Changes);
        var managers = Web()["metadata"]!["managedFields"]!.AsArray().ToDictionary(m => (string)m!["manager"]!, m => m!);
        Assert.NotNull(managers[KubeReverter.FieldManager]["fieldsV1"]!["f:metadata"]!["f:annotations"]!["f:example.com/owner"]);
        Assert.False(managers.ContainsKey("kubectl-annotate"), "kubectl-annotate owned only the annotation, which the revert took");
    }

    [Fact]
    public async Task A_label_whose_key_begins_with_a_drifted_key_is_not_taken_for_it()
    {
        var desired = Desired.Replace("\"namespace\":\"shop\"}", "\"namespace\":\"shop\",\"labels\":{\"app\":\"web\",\"app.kubernetes.io/name\":\"web\"}}", StringComparison.Ordinal);
        _server.Put(desired, manager: "ci-deployer");
        var live = _server.Edit("apps/v1", "Deployment", "shop", "web", d =>
        {
            d["metadata"]!["labels"]!["app"] = "x";
            d["metadata"]!["labels"]!["app.kubernetes.io/name"] = "y";
        }, manager: "kubectl-label");

        // Asked to revert the label app only: app.kubernetes.io/name is another label, not one below it.
        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, desired, live.ToJsonString(), ["/metadata/labels/app"]), dryRun: false);

        Assert.Equal(RemediationOutcome.Contested, result.Outcome);
        Assert.Equal("not reverted: .metadata.labels.app.kubernetes.io/name is owned by kubectl-label and is not a drifted field", result.Message);
        Assert.Equal(("x", "y"), ((string?)Web()["metadata"]!["labels"]!["app"], (string?)Web()["metadata"]!["labels"]!["app.kubernetes.io/name"]));
    }

    [Fact]
    public async Task A_change_made_between_the_read_and_the_apply_fails_its_precondition_and_nothing_is_written()
    {
        var live = ScaledByHand();
        // Another writer sets the image after the reverter read the object and dry-ran its apply:
        // a forced apply without the precondition would put it back to web:1 unseen.
        var raced = _server.BeforeNext(r => r.IsApply && r.IsRealWrite, () =>
            _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "web:2", manager: "kubectl-set"));

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.True(raced.IsCompleted, "the other writer acted before the apply");
        Assert.Equal(RemediationOutcome.ChangedSinceDetection, result.Outcome);
        Assert.Contains("its resourceVersion moved on", result.Message, StringComparison.Ordinal);
        var web = Web();
        Assert.Equal((6, "web:2"), ((int)web["spec"]!["replicas"]!, (string?)web["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]));
        Assert.DoesNotContain(web["metadata"]!["managedFields"]!.AsArray(), m => (string?)m!["manager"] == KubeReverter.FieldManager);
    }

    [Fact]
    public async Task A_change_made_between_the_apply_and_the_removal_is_reported_with_what_was_written_and_what_was_left()
    {
        ScaledByHand();
        var live = _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["minReadySeconds"] = 30, manager: "kubectl-edit");
        var raced = _server.BeforeNext(r => r.IsJsonPatch && r.IsRealWrite, () =>
            _server.Edit("apps/v1", "Deployment", "shop", "web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "web:2", manager: "kubectl-set"));
        var request = new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/minReadySeconds", "/spec/replicas"]) { AddedPaths = ["/spec/minReadySeconds"] };

        var result = await Reverter.RevertAsync(Deployments, request, dryRun: false);

        Assert.True(raced.IsCompleted, "the other writer acted between the apply and the removal");
        Assert.Equal(RemediationOutcome.ChangedSinceDetection, result.Outcome);
        Assert.Equal(
            "partly reverted: applied 1 field as driftfabric, then the object changed before the fields added outside the code were removed (/spec/minReadySeconds); they are left, and it is judged again first",
            result.Message);
        Assert.Equal([new FieldChange("/spec/replicas", "6", "2")], result.Changes);
        var web = Web();
        Assert.Equal((2, 30, "web:2"), ((int)web["spec"]!["replicas"]!, (int)web["spec"]!["minReadySeconds"]!, (string?)web["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]));
    }

    [Fact]
    public async Task A_missing_object_created_by_someone_else_after_the_read_is_reported_and_left_as_they_made_it()
    {
        var raced = _server.BeforeNext(r => r.IsRealWrite, () =>
            _server.Put(Desired.Replace("\"replicas\":2", "\"replicas\":5", StringComparison.Ordinal), manager: "kubectl-create"));

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, null, [string.Empty]), dryRun: false);

        Assert.True(raced.IsCompleted, "the other writer created it before the reverter's write");
        Assert.Equal(RemediationOutcome.ChangedSinceDetection, result.Outcome);
        Assert.StartsWith("not created: an object of that name was created after the drift was detected", result.Message, StringComparison.Ordinal);
        var web = Web();
        Assert.Equal(5, (int)web["spec"]!["replicas"]!);
        Assert.Equal(["kubectl-create"], web["metadata"]!["managedFields"]!.AsArray().Select(m => (string?)m!["manager"]));
    }

    [Fact]
    public async Task An_unmanaged_secret_is_deleted_only_as_it_was_seen_and_none_of_its_values_is_ever_in_a_result()
    {
        var secrets = ConfigMaps with { Kind = "Secret", Plural = "secrets" };
        const string Token = "core/Secret/shop/debug-token";
        _server.Put(Objects.Secret("debug-token", "shop", "web", "hunter2-first"), manager: "kubectl-create");
        var seen = Sealed(_server.Get("v1", "Secret", "shop", "debug-token")!);

        var preview = await Reverter.DeleteAsync(secrets, Token, seen, dryRun: true);
        _server.Edit("v1", "Secret", "shop", "debug-token", c => c["data"]!["password"] = Base64("hunter2-rotated"), manager: "kubectl-edit");
        var changed = await Reverter.DeleteAsync(secrets, Token, seen, dryRun: false);
        var deleted = await Reverter.DeleteAsync(secrets, Token, Sealed(_server.Get("v1", "Secret", "shop", "debug-token")!), dryRun: false);

        Assert.Equal(RemediationOutcome.WouldChange, preview.Outcome);
        Assert.Equal(RemediationOutcome.ChangedSinceDetection, changed.Outcome);
        Assert.Equal(["/data/password"], changed.Changes.Select(c => c.Path));
        Assert.Equal(($"\"{Short(Base64("hunter2-first"))}\"", $"\"{Short(Base64("hunter2-rotated"))}\""), (changed.Changes[0].From, changed.Changes[0].To));
        Assert.Equal(RemediationOutcome.Reverted, deleted.Outcome);
        Assert.Null(_server.Get("v1", "Secret", "shop", "debug-token"));
        var said = string.Join("\n", new[] { preview, changed, deleted }.Select(r => $"{r.Message} {string.Join(' ', r.Changes)}"));
        foreach (var value in new[] { "hunter2-first", "hunter2-rotated", Base64("hunter2-first"), Base64("hunter2-rotated") })
        {
            Assert.DoesNotContain(value, said, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_secret_seen_under_another_installation_key_is_never_taken_for_the_same_and_is_not_deleted()
    {
        var secrets = ConfigMaps with { Kind = "Secret", Plural = "secrets" };
        _server.Put(Objects.Secret("other-key", "shop", "web", "hunter2-keyed"), manager: "kubectl-create");
        var seen = Sealed(_server.Get("v1", "Secret", "shop", "other-key")!);

        var result = await new KubeReverter(_client, SecretDigest.Hmac("another-installation-key-entirely"u8)).DeleteAsync(secrets, "core/Secret/shop/other-key", seen, dryRun: false);

        Assert.Equal(RemediationOutcome.ChangedSinceDetection, result.Outcome);
        Assert.NotNull(_server.Get("v1", "Secret", "shop", "other-key"));
    }

    /// <summary>The short digest the fabric shows of a <c>data</c> value.</summary>
    private static string Short(string base64) => SecretValues.DigestOfData(base64, Digest);

    /// <summary>A Secret as the fabric holds it (values as digests), as a drift's live document carries it.</summary>
    private static string Sealed(JsonObject secret) =>
        System.Text.Encoding.UTF8.GetString(SecretValues.Seal((MapNode)JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(secret.ToJsonString()))[0], Digest).ToUtf8Json());

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    private static string Annotated(string owner) => Desired.Replace("\"namespace\":\"shop\"}", $"\"namespace\":\"shop\",\"annotations\":{{\"example.com/owner\":\"{owner}\"}}}}", StringComparison.Ordinal);

    [Fact]
    public async Task An_api_server_that_refuses_is_a_failure_naming_its_answer()
    {
        var live = ScaledByHand();
        _server.FailNextRequests(1, 503);

        var result = await Reverter.RevertAsync(Deployments, new RevertRequest(Resource, Desired, live.ToJsonString(), ["/spec/replicas"]), dryRun: false);

        Assert.Equal(RemediationOutcome.Failed, result.Outcome);
        Assert.StartsWith("not reverted: the API server answered 503", result.Message, StringComparison.Ordinal);
        Assert.Equal(6, (int)Web()["spec"]!["replicas"]!);
    }
}
