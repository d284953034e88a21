using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace DriftFabric.Silo.Tests.Injection;

/// <summary>AdmissionReviews as the API server sends them, a real pod to put in them, and the answer read back.</summary>
internal static class AdmissionReviews
{
    /// <summary>
    /// The pod the ReplicaSet controller creates from the pod template of a real Deployment
    /// (<c>RealObjects/nginx-deployment.yaml</c>, captured from a real cluster: see that folder's
    /// README), as the API server hands it to a mutating webhook on CREATE: the template's spec as
    /// that cluster defaulted it, the controller's metadata, and the controller's managedFields
    /// entry, whose fields are the template's own (taken from the Deployment's
    /// <c>f:spec.f:template</c>).
    /// </summary>
    public static JsonObject NginxPod()
    {
        var deployment = KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "RealObjects", "nginx-deployment.yaml")), strict: true);
        var template = deployment.Spec.Template;
        var deploymentJson = JsonNode.Parse(KubernetesJson.Serialize(deployment))!;
        var templateFields = deploymentJson["metadata"]!["managedFields"]!.AsArray()
            .Single(m => (string?)m!["manager"] == "kubectl-client-side-apply")!["fieldsV1"]!["f:spec"]!["f:template"]!.DeepClone();
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = "nginx-deployment-779d59bcb-",
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string>(template.Metadata.Labels) { ["pod-template-hash"] = "779d59bcb" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "nginx-deployment-779d59bcb", Uid = "9b0a4f5e-1c0e-4b6f-8f43-3f1e2a7c0d11", BlockOwnerDeletion = true, Controller = true }],
            },
            Spec = template.Spec,
        };
        var json = JsonNode.Parse(KubernetesJson.Serialize(pod))!.AsObject();
        json["metadata"]!["managedFields"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = templateFields,
            ["manager"] = "kube-controller-manager",
            ["operation"] = "Update",
            ["time"] = "2024-04-10T00:44:50Z",
        });
        return json;
    }

    /// <summary>The nginx pod with a ConfigMap, a Secret, a projected and an emptyDir volume, an init container and an annotation.</summary>
    public static JsonObject NginxPodWithVolumes()
    {
        var pod = NginxPod();
        var spec = pod["spec"]!.AsObject();
        spec["volumes"] = JsonNode.Parse("""
            [
              {"name": "nginx-conf", "configMap": {"name": "nginx-conf"}},
              {"name": "tls", "secret": {"secretName": "nginx-tls"}},
              {"name": "bundle", "projected": {"sources": [{"configMap": {"name": "ca-bundle"}}]}},
              {"name": "cache", "emptyDir": {}}
            ]
            """);
        spec["initContainers"] = JsonNode.Parse("""[{"name": "wait", "image": "busybox:1.36", "args": ["true"]}]""");
        pod["metadata"]!["annotations"] = new JsonObject { ["example.com/owner"] = "shop" };
        return pod;
    }

    public static string Review(JsonNode? podOrObject, string uid = "705ab4f5-6393-11e8-b7cc-42010a800002", string operation = "CREATE", string group = "", string kind = "Pod", string resource = "pods")
    {
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = group, ["version"] = "v1", ["kind"] = kind },
            ["resource"] = new JsonObject { ["group"] = group, ["version"] = "v1", ["resource"] = resource },
            ["requestKind"] = new JsonObject { ["group"] = group, ["version"] = "v1", ["kind"] = kind },
            ["namespace"] = "default",
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = "system:serviceaccount:kube-system:replicaset-controller", ["groups"] = new JsonArray("system:serviceaccounts", "system:authenticated") },
            ["object"] = podOrObject?.DeepClone(),
            ["oldObject"] = null,
            ["dryRun"] = false,
            ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "CreateOptions" },
        };
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["request"] = request }.ToJsonString();
    }

    /// <summary>The response of an AdmissionReview answer, checked to be one.</summary>
    public static JsonObject Response(string answer)
    {
        var review = JsonNode.Parse(answer)!.AsObject();
        Assert.Equal("admission.k8s.io/v1", (string?)review["apiVersion"]);
        Assert.Equal("AdmissionReview", (string?)review["kind"]);
        var response = review["response"]!.AsObject();
        Assert.True((bool)response["allowed"]!);
        return response;
    }

    /// <summary>The response's JSON Patch, decoded; null when it has none.</summary>
    public static string? Patch(JsonObject response)
    {
        if (response["patch"] is not { } patch)
        {
            Assert.Null(response["patchType"]);
            return null;
        }

        Assert.Equal("JSONPatch", (string?)response["patchType"]);
        return Encoding.UTF8.GetString(Convert.FromBase64String((string)patch!));
    }

    /// <summary>Applies an RFC 6902 patch to the pod with ASP.NET Core's JSON Patch library (not ours), and reads the result strictly into <see cref="V1Pod"/>.</summary>
    public static (JsonObject Json, V1Pod Pod) Apply(JsonObject pod, string patch)
    {
        var document = JsonSerializer.Deserialize<JsonPatchDocument>(patch)!;
        var patched = pod.DeepClone().AsObject();
        document.ApplyTo(patched);
        return (patched, KubernetesYaml.Deserialize<V1Pod>(patched.ToJsonString(), strict: true));
    }
}
