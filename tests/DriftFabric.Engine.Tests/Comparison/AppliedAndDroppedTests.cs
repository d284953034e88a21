using DriftFabric.Engine.Comparison;

namespace DriftFabric.Engine.Tests.Comparison;

/// <summary>
/// A live field that the pipeline applied and the code has since dropped is <c>Added</c>, the
/// applier its manager (drift semantics v2, section 3): named by a server-side applier's entry,
/// or held in the last-applied-configuration the next client-side apply acts on.
/// </summary>
public class AppliedAndDroppedTests
{
    private const string Desired = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop, labels: {app: web}}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: web:2.0.0
                env:
                - {name: LOG_LEVEL, value: info}
        """;

    /// <summary>The Deployment with a second env var and minReadySeconds the code no longer has, and <paramref name="entries"/> as its managedFields.</summary>
    private static string Live(string entries, string lastApplied = "") => """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"},
          "annotations":{@0@},
          "managedFields":[@1@]},
         "spec":{"replicas":3,"minReadySeconds":30,"progressDeadlineSeconds":600,"selector":{"matchLabels":{"app":"web"}},
           "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"web:2.0.0","imagePullPolicy":"IfNotPresent",
             "env":[{"name":"LOG_LEVEL","value":"info"},{"name":"EXPERIMENT","value":"b"}]}]}}}}
        """.Replace("@0@", (lastApplied.Length == 0 ? "" : $"\"kubectl.kubernetes.io/last-applied-configuration\":{System.Text.Json.JsonSerializer.Serialize(lastApplied)}"), StringComparison.Ordinal).Replace("@1@", entries, StringComparison.Ordinal);

    private const string ArgoApplied = """
        {"manager":"argocd-controller","operation":"Apply","time":"2026-11-01T00:00:00Z","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},
          "f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:name":{},"f:image":{},
            "f:env":{"k:{\"name\":\"LOG_LEVEL\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"EXPERIMENT\"}":{".":{},"f:name":{},"f:value":{}}}}}}}}}}
        """;

    private const string ClientSideApplied = """
        {"manager":"kubectl-client-side-apply","operation":"Update","time":"2026-10-01T09:00:00Z","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}},"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},
          "f:spec":{"f:replicas":{},"f:minReadySeconds":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:name":{},"f:image":{},
            "f:env":{"k:{\"name\":\"LOG_LEVEL\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"EXPERIMENT\"}":{".":{},"f:name":{},"f:value":{}}}}}}}}}}
        """;

    private const string LastApplied = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},"spec":{"replicas":3,"minReadySeconds":30,
          "selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"web:2.0.0",
          "env":[{"name":"LOG_LEVEL","value":"info"},{"name":"EXPERIMENT","value":"b"}]}]}}}}
        """;

    [Fact]
    public void An_element_a_server_side_applier_applied_and_the_code_dropped_is_added_by_that_applier()
    {
        var drift = Drifts.Single(Desired, Live(ArgoApplied));

        Assert.Equal(("/spec/template/spec/containers[name=web]/env[name=EXPERIMENT]", DriftKind.Added, "argocd-controller"), (drift.Path, drift.Kind, drift.Manager));
        Assert.Equal("""{"name":"EXPERIMENT","value":"b"}""", drift.Live!.ToJson());
    }

    [Fact]
    public void Fields_the_last_applied_configuration_holds_and_the_code_dropped_are_added_by_the_client_side_apply()
    {
        var drifts = Drifts.Of(Desired, Live(ClientSideApplied, LastApplied));

        Assert.Equal(
            ["apps/Deployment/shop/web /spec/minReadySeconds Added", "apps/Deployment/shop/web /spec/template/spec/containers[name=web]/env[name=EXPERIMENT] Added"],
            Drifts.Lines(drifts));
        Assert.All(drifts, d => Assert.Equal("kubectl-client-side-apply", d.Manager));
    }

    [Fact]
    public void Fields_an_applier_applied_and_the_code_still_declares_are_no_drift()
    {
        var desired = Desired.Swap("  replicas: 3\n", "  replicas: 3\n  minReadySeconds: 30\n").Swap(
            "        - {name: LOG_LEVEL, value: info}", "        - {name: LOG_LEVEL, value: info}\n        - {name: EXPERIMENT, value: b}");

        Assert.Empty(Drifts.Of(desired, Live(ArgoApplied)));
        Assert.Empty(Drifts.Of(desired, Live(ClientSideApplied, LastApplied)));
    }

    [Fact]
    public void A_field_applied_and_dropped_that_a_controller_owns_now_is_not_drift()
    {
        var controller = """
            {"manager":"kube-controller-manager","operation":"Update","time":"2026-11-03T00:00:00Z","fieldsV1":{"f:spec":{"f:minReadySeconds":{}}}}
            """;

        var drifts = Drifts.Of(Desired, Live(ClientSideApplied + "," + controller, LastApplied));

        Assert.Equal(["apps/Deployment/shop/web /spec/template/spec/containers[name=web]/env[name=EXPERIMENT] Added"], Drifts.Lines(drifts));
    }

    [Fact]
    public void What_another_pipelines_applier_applied_is_not_this_codes_to_drop()
    {
        // Helm applies only an annotation of its own here: it owns none of the fields this code declares.
        var helm = """
            {"manager":"helm","operation":"Apply","time":"2026-11-01T00:00:00Z","fieldsV1":{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{
              "f:env":{"k:{\"name\":\"EXPERIMENT\"}":{".":{},"f:name":{},"f:value":{}}}}}}}}}}
            """;
        var argo = ArgoApplied.Replace("""
            ,"k:{\"name\":\"EXPERIMENT\"}":{".":{},"f:name":{},"f:value":{}}
            """.Trim(), "", StringComparison.Ordinal);

        Assert.Empty(Drifts.Of(Desired, Live(argo + "," + helm)));
    }

    [Fact]
    public void Without_managed_fields_nothing_the_last_applied_configuration_holds_is_added()
    {
        var live = Live(string.Empty, LastApplied).Replace("\"managedFields\":[]", "\"generation\":4", StringComparison.Ordinal);

        Assert.DoesNotContain(Drifts.Of(Desired, live), d => d.Path == "/spec/minReadySeconds");
    }

    [Fact]
    public void A_client_side_apply_under_any_name_is_an_applier()
    {
        // Older kubectl applied as "kubectl" with operation Update: owning the annotation makes it the pipeline.
        var drifts = Drifts.Of(Desired, Live(ClientSideApplied.Replace("kubectl-client-side-apply", "kubectl", StringComparison.Ordinal), LastApplied));

        Assert.Equal(2, drifts.Count);
        Assert.All(drifts, d => Assert.Equal(("kubectl", DriftKind.Added), (d.Manager, d.Kind)));
    }

    [Fact]
    public void A_secret_key_dropped_from_the_code_is_added_and_shown_only_as_a_digest()
    {
        const string desired = """
            apiVersion: v1
            kind: Secret
            metadata: {name: db, namespace: shop}
            stringData: {user: app}
            """;
        var lastApplied = """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"stringData":{"user":"app","password":"hunter2-plaintext"}}""";
        var live = """
            {"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"db","namespace":"shop",
              "annotations":{"kubectl.kubernetes.io/last-applied-configuration":@0@},
              "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","time":"2026-10-01T09:00:00Z","fieldsV1":{
                "f:data":{".":{},"f:user":{},"f:password":{}},"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:type":{}}}]},
             "data":{"user":"YXBw","password":"aHVudGVyMi1wbGFpbnRleHQ="}}
            """.Replace("@0@", System.Text.Json.JsonSerializer.Serialize(lastApplied), StringComparison.Ordinal);

        var result = Drifts.Check(desired, live);

        var drift = Assert.Single(result.Drifts);
        Assert.Equal(("/data/password", DriftKind.Added, Severity.Critical, "kubectl-client-side-apply"), (drift.Path, drift.Kind, drift.Severity, drift.Manager));
        Assert.StartsWith("\"sha256:", drift.Live!.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", Drifts.Describe(drift), StringComparison.Ordinal);
        Assert.DoesNotContain("aHVudGVy", Drifts.Describe(drift), StringComparison.Ordinal);
    }
}
