using System.Text.Json.Nodes;

namespace DriftFabric.KubeSim.Tests;

/// <summary>
/// managedFields as real clusters recorded them (<c>RealObjects/</c>, see its README): the writes
/// behind some of their entries are replayed with the real kubectl against the simulated API
/// server, which must record the same <c>fieldsV1</c> (<c>f:</c> members, <c>k:</c> keyed
/// elements, <c>v:</c> set values, <c>.</c> for a map, list or element the write brought into being).
/// </summary>
public sealed class ManagedFieldsShapeTests : IAsyncLifetime
{
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

    private static JsonObject Real(string file) => KubeManifests.ReadFile(Path.Combine(AppContext.BaseDirectory, "RealObjects", file)).Single();

    /// <summary>The object as a person would have written it: what the server set, and status, removed.</summary>
    private static JsonObject Written(JsonObject real)
    {
        var written = (JsonObject)real.DeepClone();
        written.Remove("status");
        var metadata = written["metadata"]!.AsObject();
        foreach (var field in new[] { "managedFields", "resourceVersion", "uid", "creationTimestamp", "generation" })
        {
            metadata.Remove(field);
        }

        return written;
    }

    private static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject map => new JsonObject(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        _ => node?.DeepClone(),
    };

    private static void AssertSameFields(JsonObject real, JsonObject simulated, string manager, string operation = "Update")
    {
        var expected = Kubectl.Entry(real, manager);
        var actual = Kubectl.Entry(simulated, manager);
        Assert.Equal((operation, expected["operation"]!.GetValue<string>()), (actual["operation"]!.GetValue<string>(), operation));
        Assert.Equal(Canonical(expected["fieldsV1"]), Canonical(actual["fieldsV1"]));
    }

    [Fact]
    public async Task A_client_side_apply_then_a_strategic_and_a_merge_patch_record_what_a_real_cluster_recorded()
    {
        var real = Real("nginx-deployment.yaml");
        var written = Written(real);
        var metadata = written["metadata"]!.AsObject();
        metadata.Remove("finalizers");
        metadata["annotations"] = new JsonObject();
        var container = written["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        container.Remove("env");

        await _kubectl.SucceedAsync("apply", "-f", _kubectl.Write("nginx.json", written.ToJsonString()));
        await _kubectl.SucceedAsync("patch", "deployment/nginx-deployment", "-n", "default", "--field-manager", "envpatcher", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"barx","value":"bar"}]}]}}}}""");
        await _kubectl.SucceedAsync("patch", "deployment/nginx-deployment", "-n", "default", "--field-manager", "finalizerpatcher", "--type", "merge", "-p",
            """{"metadata":{"finalizers":["example.com/foo"]}}""");
        var simulated = await _kubectl.GetAsync("deployment/nginx-deployment", "default");

        AssertSameFields(real, simulated, "kubectl-client-side-apply");
        AssertSameFields(real, simulated, "envpatcher");
        AssertSameFields(real, simulated, "finalizerpatcher");
    }

    [Fact]
    public async Task An_edit_that_adds_a_probe_and_replaces_args_records_what_a_real_cluster_recorded()
    {
        var real = Real("dispatcher-deployment.yaml");
        var written = Written(real);
        var container = written["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        var args = container["args"]!.DeepClone();
        var probe = container["readinessProbe"]!.DeepClone();
        container["args"] = new JsonArray("-cluster-name=before-the-edit");
        container.Remove("readinessProbe");
        await _kubectl.SucceedAsync("create", "-f", _kubectl.Write("dispatcher.json", written.ToJsonString()));

        // The editor replaces the file kubectl hands it with the object as the person left it.
        var edited = JsonNode.Parse(await _kubectl.SucceedAsync("get", "deployment/dispatcher", "-n", "dispatcher", "-o", "json"))!.AsObject();
        var editedContainer = edited["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        editedContainer["args"] = args;
        editedContainer["readinessProbe"] = probe;
        var result = _kubectl.Write("edited.json", edited.ToJsonString());
        var editor = _kubectl.WriteScript("editor.sh", $"#!/bin/sh\ncp '{result}' \"$1\"\n");
        var (exit, output, error) = await _kubectl.RunAsync(new Dictionary<string, string> { ["KUBE_EDITOR"] = editor }, "edit", "deployment/dispatcher", "-n", "dispatcher");
        var simulated = await _kubectl.GetAsync("deployment/dispatcher", "dispatcher");

        Assert.True(exit == 0, error + output);
        AssertSameFields(real, simulated, "kubectl-edit");
    }
}
