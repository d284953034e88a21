using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftFabric.KubeSim.Tests;

/// <summary>
/// The real kubectl against the simulated API server: each command changes the object as a real
/// server would, and records managedFields with the manager, operation and subresource a real
/// server records for what kubectl v1.32 sends.
/// </summary>
public sealed class KubectlCommandTests : IAsyncLifetime
{
    private const string Web = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels: {app: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: registry.example.com/web:1.0.0
                ports: [{containerPort: 8080, name: http}]
                env:
                - {name: LOG_LEVEL, value: info}
                - {name: REGION, value: eu}
        """;

    private KubeApiServer _server = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _kubectl = new Kubectl(_server.KubeConfig());
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<JsonObject> ApplyWebAsync()
    {
        await _kubectl.SucceedAsync("apply", "-f", _kubectl.Write("web.yaml", Web));
        return await _kubectl.GetAsync("deployment/web");
    }

    private static readonly JsonSerializerOptions AsWritten = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An entry's fieldsV1 as kubectl prints it (quotes inside keys as <c>\"</c>).</summary>
    private static string Fields(JsonObject entry) => entry["fieldsV1"]!.ToJsonString(AsWritten);

    [Fact]
    public async Task Client_side_apply_creates_the_object_with_its_last_applied_configuration_as_kubectl_client_side_apply()
    {
        var web = await ApplyWebAsync();

        var entry = Kubectl.Entry(web, "kubectl-client-side-apply");
        Assert.Equal("Update", entry["operation"]!.GetValue<string>());
        var lastApplied = JsonNode.Parse(web["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]!.GetValue<string>())!;
        Assert.Equal("registry.example.com/web:1.0.0", lastApplied["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Contains("\"f:kubectl.kubernetes.io/last-applied-configuration\":{}", Fields(entry), StringComparison.Ordinal);
        Assert.Contains("\"k:{\\\"containerPort\\\":8080,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{}", Fields(entry), StringComparison.Ordinal);
        Assert.Equal(1, web["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Client_side_apply_again_patches_by_three_way_diff_and_drops_what_the_manifest_no_longer_says()
    {
        await ApplyWebAsync();
        await _kubectl.SucceedAsync("label", "deployment/web", "-n", "shop", "team=payments");

        // The new manifest changes the image and leaves REGION out; the label kubectl-label set stays.
        var changed = Web.Replace("web:1.0.0", "web:1.1.0", StringComparison.Ordinal).Replace("\n        - {name: REGION, value: eu}", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("REGION", changed, StringComparison.Ordinal);
        await _kubectl.SucceedAsync("apply", "-f", _kubectl.Write("web.yaml", changed));
        var web = await _kubectl.GetAsync("deployment/web");

        var container = web["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("registry.example.com/web:1.1.0", container["image"]!.GetValue<string>());
        Assert.Equal(["LOG_LEVEL"], container["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
        Assert.Equal("payments", web["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Contains("web:1.1.0", web["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("REGION", Fields(Kubectl.Entry(web, "kubectl-client-side-apply")), StringComparison.Ordinal);
        Assert.Equal(2, web["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Scale_writes_the_scale_subresource_and_the_manager_is_kubectl_from_the_user_agent()
    {
        await ApplyWebAsync();

        // kubectl v1.32's scale sends no fieldManager: the real server names the manager from the
        // User-Agent (kubectl/v1.32.4 ...), and records the subresource written.
        await _kubectl.SucceedAsync("scale", "deployment/web", "-n", "shop", "--replicas", "5");
        var web = await _kubectl.GetAsync("deployment/web");

        Assert.Equal(5, web["spec"]!["replicas"]!.GetValue<long>());
        var entry = Kubectl.Entry(web, "kubectl", "scale");
        Assert.Equal(("Update", """{"f:spec":{"f:replicas":{}}}"""), (entry["operation"]!.GetValue<string>(), Fields(entry)));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", entry["time"]!.GetValue<string>());
        Assert.DoesNotContain("f:replicas", Fields(Kubectl.Entry(web, "kubectl-client-side-apply")), StringComparison.Ordinal);
        Assert.Contains(_server.RequestLog, r => r.Request.StartsWith("/apis/apps/v1/namespaces/shop/deployments/web/scale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Label_and_annotate_are_merge_patches_owned_by_their_own_managers()
    {
        await ApplyWebAsync();

        await _kubectl.SucceedAsync("label", "deployment/web", "-n", "shop", "team=payments");
        await _kubectl.SucceedAsync("annotate", "deployment/web", "-n", "shop", "oncall=night-shift");
        var web = await _kubectl.GetAsync("deployment/web");

        Assert.Equal("""{"f:metadata":{"f:labels":{"f:team":{}}}}""", Fields(Kubectl.Entry(web, "kubectl-label")));
        Assert.Equal("""{"f:metadata":{"f:annotations":{"f:oncall":{}}}}""", Fields(Kubectl.Entry(web, "kubectl-annotate")));
        Assert.Equal(1, web["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Set_image_changes_one_container_by_its_merge_key_as_kubectl_set()
    {
        await ApplyWebAsync();

        await _kubectl.SucceedAsync("set", "image", "deployment/web", "-n", "shop", "web=registry.example.com/web:9.9.9");
        var web = await _kubectl.GetAsync("deployment/web");

        var container = web["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(("registry.example.com/web:9.9.9", 2), (container["image"]!.GetValue<string>(), container["env"]!.AsArray().Count));
        Assert.Equal("""{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:image":{}}}}}}}""", Fields(Kubectl.Entry(web, "kubectl-set")));
    }

    [Fact]
    public async Task Edit_sends_a_strategic_merge_patch_of_what_the_editor_changed_as_kubectl_edit()
    {
        await ApplyWebAsync();
        var editor = _kubectl.WriteScript("editor.sh", "#!/bin/sh\nsed -i -e 's/replicas: 2/replicas: 4/' -e 's/value: info/value: debug/' \"$1\"\n");

        var (exit, output, error) = await _kubectl.RunAsync(new Dictionary<string, string> { ["KUBE_EDITOR"] = editor }, "edit", "deployment/web", "-n", "shop");
        var web = await _kubectl.GetAsync("deployment/web");

        Assert.True(exit == 0, error + output);
        Assert.Equal(4, web["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal(["debug", "eu"], web["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Select(e => e!["value"]!.GetValue<string>()));
        Assert.Equal(
            """{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:env":{"k:{\"name\":\"LOG_LEVEL\"}":{"f:value":{}}}}}}}}}""",
            Fields(Kubectl.Entry(web, "kubectl-edit")));
    }

    [Fact]
    public async Task Patch_takes_merge_strategic_and_json_patches_as_kubectl_patch()
    {
        await ApplyWebAsync();

        await _kubectl.SucceedAsync("patch", "deployment/web", "-n", "shop", "--type", "merge", "-p", """{"spec":{"minReadySeconds":5}}""");
        await _kubectl.SucceedAsync("patch", "deployment/web", "-n", "shop", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"TRACE","value":"on"}]}]}}}}""");
        await _kubectl.SucceedAsync("patch", "deployment/web", "-n", "shop", "--type", "json", "-p", """[{"op":"add","path":"/spec/paused","value":true}]""");
        var web = await _kubectl.GetAsync("deployment/web");

        Assert.Equal((5, true), (web["spec"]!["minReadySeconds"]!.GetValue<long>(), web["spec"]!["paused"]!.GetValue<bool>()));
        Assert.Equal(["LOG_LEVEL", "REGION", "TRACE"], web["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
        Assert.Equal(
            """{"f:spec":{"f:minReadySeconds":{},"f:paused":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:env":{"k:{\"name\":\"TRACE\"}":{".":{},"f:name":{},"f:value":{}}}}}}}}}""",
            Fields(Kubectl.Entry(web, "kubectl-patch")));
    }

    [Fact]
    public async Task A_patch_that_does_not_apply_is_refused_as_invalid_and_changes_nothing()
    {
        var before = await ApplyWebAsync();

        var (exit, _, error) = await _kubectl.RunAsync("patch", "deployment/web", "-n", "shop", "--type", "json", "-p", """[{"op":"replace","path":"/spec/nothing","value":1}]""");
        var after = await _kubectl.GetAsync("deployment/web");

        Assert.NotEqual(0, exit);
        Assert.Contains("the server rejected our request due to an error in our request", error, StringComparison.Ordinal);
        Assert.Equal(before["metadata"]!["resourceVersion"]!.GetValue<string>(), after["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_side_apply_is_an_apply_of_kubectl_and_a_conflicting_manager_is_refused()
    {
        await _kubectl.SucceedAsync("apply", "--server-side", "-f", _kubectl.Write("web.yaml", Web));
        var web = await _kubectl.GetAsync("deployment/web");
        var entry = Kubectl.Entry(web, "kubectl");
        await _kubectl.SucceedAsync("scale", "deployment/web", "-n", "shop", "--replicas", "3");
        var (exit, _, error) = await _kubectl.RunAsync("apply", "--server-side", "--field-manager", "ci", "-f", _kubectl.Write("web.yaml", Web));

        Assert.Equal("Apply", entry["operation"]!.GetValue<string>());
        Assert.Null(web["metadata"]!["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"]);
        Assert.Contains("\"f:replicas\":{}", Fields(entry), StringComparison.Ordinal);
        Assert.NotEqual(0, exit);
        Assert.Contains("conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_removes_the_object_and_a_get_after_is_not_found()
    {
        await ApplyWebAsync();

        await _kubectl.SucceedAsync("delete", "deployment/web", "-n", "shop");
        var (exit, _, error) = await _kubectl.RunAsync("get", "deployment/web", "-n", "shop");

        Assert.Equal(1, exit);
        Assert.Contains("Error from server (NotFound): deployments.apps \"web\" not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_watch_prints_a_line_when_the_object_changes()
    {
        await ApplyWebAsync();
        using var watch = _kubectl.Start("get", "deployment/web", "-n", "shop", "--watch", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas", "--no-headers");
        try
        {
            var first = await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _kubectl.SucceedAsync("scale", "deployment/web", "-n", "shop", "--replicas", "7");
            var second = await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(["web", "2"], first!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(["web", "7"], second!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(_server.RequestLog, r => r.Request.Contains("fieldSelector=metadata.name%3Dweb", StringComparison.Ordinal) && r.Request.Contains("watch=true", StringComparison.Ordinal));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await watch.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Get_by_short_name_prints_a_table_of_the_objects()
    {
        await ApplyWebAsync();

        var output = await _kubectl.SucceedAsync("get", "deploy", "-n", "shop");

        Assert.Matches(@"^NAME\s+AGE\s*\nweb\s+\d+s\s*\n$", output);
    }

    [Fact]
    public async Task Replace_puts_the_whole_object_and_a_stale_resource_version_is_a_conflict()
    {
        await ApplyWebAsync();
        var stale = _kubectl.Write("stale.json", await _kubectl.SucceedAsync("get", "deployment/web", "-n", "shop", "-o", "json"));
        await _kubectl.SucceedAsync("scale", "deployment/web", "-n", "shop", "--replicas", "3");

        var (exit, _, error) = await _kubectl.RunAsync("replace", "-f", stale);
        var replacement = JsonNode.Parse(await _kubectl.SucceedAsync("get", "deployment/web", "-n", "shop", "-o", "json"))!.AsObject();
        replacement["spec"]!["minReadySeconds"] = 10;
        await _kubectl.SucceedAsync("replace", "-f", _kubectl.Write("fresh.json", replacement.ToJsonString()));
        var web = await _kubectl.GetAsync("deployment/web");

        Assert.NotEqual(0, exit);
        Assert.Contains("the object has been modified; please apply your changes to the latest version and try again", error, StringComparison.Ordinal);
        Assert.Equal((3, 10), (web["spec"]!["replicas"]!.GetValue<int>(), web["spec"]!["minReadySeconds"]!.GetValue<int>()));
        // kubectl replace rewrites the last-applied annotation of an object that has one.
        Assert.Equal("""{"f:metadata":{"f:annotations":{"f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:spec":{"f:minReadySeconds":{}}}""", Fields(Kubectl.Entry(web, "kubectl-replace")));
    }

    [Fact]
    public async Task A_patch_of_the_status_subresource_changes_only_status_and_is_recorded_on_it()
    {
        await ApplyWebAsync();

        await _kubectl.SucceedAsync("patch", "deployment/web", "-n", "shop", "--subresource", "status", "--type", "merge", "-p", """{"status":{"readyReplicas":2},"spec":{"replicas":9}}""");
        var web = await _kubectl.GetAsync("deployment/web");

        Assert.Equal((2, 2), (web["status"]!["readyReplicas"]!.GetValue<int>(), web["spec"]!["replicas"]!.GetValue<int>()));
        Assert.Equal("""{"f:status":{"f:readyReplicas":{}}}""", Fields(Kubectl.Entry(web, "kubectl-patch", "status")));
        Assert.Equal(1, web["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_custom_resource_takes_merge_patches_and_refuses_strategic_ones_as_the_real_server_does()
    {
        await _kubectl.SucceedAsync("apply", "-f", _kubectl.Write("vs.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: web, namespace: shop}
            spec:
              hosts: [web]
              http: [{route: [{destination: {host: web}, weight: 100}]}]
            """));

        var (exit, _, error) = await _kubectl.RunAsync("patch", "vs/web", "-n", "shop", "-p", """{"spec":{"hosts":["web","web.shop"]}}""");
        await _kubectl.SucceedAsync("patch", "vs/web", "-n", "shop", "--type", "merge", "-p", """{"spec":{"hosts":["web","web.shop"]}}""");
        var vs = await _kubectl.GetAsync("virtualservice/web");

        Assert.NotEqual(0, exit);
        Assert.Contains("application/strategic-merge-patch+json is not supported by networking.istio.io/v1, Kind=VirtualService", error, StringComparison.Ordinal);
        Assert.Equal("""["web","web.shop"]""", vs["spec"]!["hosts"]!.ToJsonString());
        Assert.Equal("""{"f:spec":{"f:hosts":{}}}""", Fields(Kubectl.Entry(vs, "kubectl-patch")));
    }

    [Fact]
    public async Task Get_with_an_equality_label_selector_lists_only_what_it_selects_and_a_set_based_one_is_refused()
    {
        await ApplyWebAsync();
        await _kubectl.SucceedAsync("apply", "-f", _kubectl.Write("api.yaml", Web.Replace("web", "api", StringComparison.Ordinal).Replace("labels: {app: api}\n", string.Empty, StringComparison.Ordinal)));
        string[] Names(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var web = await _kubectl.SucceedAsync("get", "deploy", "-n", "shop", "-l", "app=web", "-o", "name");
        var notWeb = await _kubectl.SucceedAsync("get", "deploy", "-n", "shop", "-l", "app!=web", "-o", "name");
        var labelled = await _kubectl.SucceedAsync("get", "deploy", "-n", "shop", "-l", "app", "-o", "name");
        var (exit, _, error) = await _kubectl.RunAsync("get", "deploy", "-n", "shop", "-l", "app in (web,api)");

        Assert.Equal(["deployment.apps/web"], Names(web));
        Assert.Equal(["deployment.apps/api"], Names(notWeb));
        Assert.Equal(["deployment.apps/web"], Names(labelled));
        Assert.NotEqual(0, exit);
        Assert.Contains("set-based label selectors are not supported by this simulation", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_protobuf_body_from_kubectls_typed_generators_is_refused_as_an_unknown_format()
    {
        var (exit, _, error) = await _kubectl.RunAsync("create", "configmap", "flags", "-n", "shop", "--from-literal=debug=true");

        Assert.NotEqual(0, exit);
        Assert.Contains("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml", error, StringComparison.Ordinal);
        Assert.Null(_server.Get("v1", "ConfigMap", "shop", "flags"));
    }
}
