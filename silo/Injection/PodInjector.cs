using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace DriftFabric.Silo.Injection;

/// <summary>The agent container the injector adds, as settings decide it.</summary>
/// <param name="Image">The agent's image.</param>
/// <param name="Server">The fabric's URL the agent reports to.</param>
/// <param name="NativeSidecar">An init container with <c>restartPolicy: Always</c> (Kubernetes 1.29 and later); a plain container when false.</param>
public sealed record AgentSidecar(string Image, Uri Server, bool NativeSidecar)
{
    public const string DefaultImage = "ghcr.io/driftfabric/driftfabric-agent:0.1.0";

    public static readonly Uri DefaultServer = new("http://driftfabric.driftfabric.svc:5080");
}

/// <summary>What the injector did with one review.</summary>
public enum InjectionOutcome
{
    Injected,
    NotAPodCreation,
    OptedOut,
    AlreadyInjected,
    Malformed,
}

/// <summary>An AdmissionReview response (JSON), what was done, and for a malformed review, what was wrong with it.</summary>
public sealed record InjectionResult(string ResponseJson, InjectionOutcome Outcome, string? Problem)
{
    /// <summary>The JSON Patch sent (decoded), or null when none was.</summary>
    public string? PatchJson { get; init; }
}

/// <summary>
/// The injector's decision, without I/O: an AdmissionReview (v1) of a pod in, the review's response
/// out, with a JSON Patch that adds the agent when the pod should have one. It never refuses a pod:
/// whatever is wrong with a review, the answer is <c>allowed: true</c> (with a warning when the
/// review itself was malformed), so the injector can never keep a workload from starting.
/// Which namespaces are injected is the webhook configuration's <c>namespaceSelector</c>: the API
/// server filters, and a review carries no namespace labels to check again.
/// </summary>
public sealed class PodInjector(AgentSidecar sidecar)
{
    public const string AgentContainerName = "driftfabric-agent";
    public const string InjectLabel = "driftfabric.io/inject";
    public const string StatusAnnotation = "driftfabric.io/agent-status";
    public const string StatusInjected = "injected";
    public const string TokenVolumeName = "driftfabric-agent-token";
    public const string TokenAudience = "driftfabric";
    public const string TokenDirectory = "/var/run/secrets/driftfabric";
    public const string VolumesDirectory = "/var/run/driftfabric/volumes";

    /// <summary>The image's app user (as the silo's image has it).</summary>
    public const long AgentUser = 1654;

    private const string ReviewApiVersion = "admission.k8s.io/v1";

    public InjectionResult Review(ReadOnlySpan<byte> body)
    {
        JsonObject? review;
        try
        {
            review = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return Malformed(null, "the review is not JSON");
        }

        if (review?["request"] is not JsonObject request)
        {
            return Malformed(null, "the review has no request");
        }

        var uid = (request["uid"] as JsonValue)?.TryGetValue<string>(out var text) == true && text.Length > 0 ? text : null;
        if (uid is null)
        {
            return Malformed(null, "the review's request has no uid");
        }

        if (!IsPod(request["kind"]) || Text(request["operation"]) != "CREATE" || Text(request["subResource"]) is { Length: > 0 })
        {
            return Answer(uid, InjectionOutcome.NotAPodCreation);
        }

        if (request["object"] is not JsonObject podJson)
        {
            return Malformed(uid, "the review's object is not a pod");
        }

        // Server-side apply's bookkeeping is no part of what the injector reads or patches.
        podJson = (JsonObject)podJson.DeepClone();
        (podJson["metadata"] as JsonObject)?.Remove("managedFields");
        V1Pod pod;
        try
        {
            pod = KubernetesJson.Deserialize<V1Pod>(podJson.ToJsonString());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return Malformed(uid, "the review's object is not a pod");
        }

        if (pod?.Spec?.Containers is not { Count: > 0 })
        {
            return Malformed(uid, "the review's object is not a pod with containers");
        }

        if (pod.Metadata?.Labels?.TryGetValue(InjectLabel, out var inject) == true && inject == "false")
        {
            return Answer(uid, InjectionOutcome.OptedOut);
        }

        if (pod.Metadata?.Annotations?.ContainsKey(StatusAnnotation) == true
            || pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).Any(c => c.Name == AgentContainerName))
        {
            return Answer(uid, InjectionOutcome.AlreadyInjected);
        }

        var patch = Patch(pod);
        return Answer(uid, InjectionOutcome.Injected, patch);
    }

    /// <summary>The JSON Patch (RFC 6902) that adds the agent, its token volume and the status annotation.</summary>
    private JsonArray Patch(V1Pod pod)
    {
        var patch = new JsonArray();
        var spec = pod.Spec;
        if (pod.Metadata?.Annotations is null)
        {
            Add(patch, "/metadata/annotations", new JsonObject { [StatusAnnotation] = StatusInjected });
        }
        else
        {
            Add(patch, "/metadata/annotations/" + EscapePointer(StatusAnnotation), StatusInjected);
        }

        var tokenVolume = new V1Volume
        {
            Name = TokenVolumeName,
            Projected = new V1ProjectedVolumeSource
            {
                Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Audience = TokenAudience, ExpirationSeconds = 3600, Path = "token" } }],
            },
        };
        AddToList(patch, "/spec/volumes", spec.Volumes is null, ToNode(tokenVolume));

        var agent = Agent(spec.Volumes ?? []);
        if (sidecar.NativeSidecar)
        {
            agent.RestartPolicy = "Always";
            AddToList(patch, "/spec/initContainers", spec.InitContainers is null, ToNode(agent));
        }
        else
        {
            AddToList(patch, "/spec/containers", false, ToNode(agent));
        }

        return patch;
    }

    private V1Container Agent(IList<V1Volume> volumes)
    {
        var mounts = new List<V1VolumeMount> { new() { Name = TokenVolumeName, MountPath = TokenDirectory, ReadOnlyProperty = true } };

        // What the app reads from its ConfigMaps and Secrets, read-only, so the agent sees the same files.
        mounts.AddRange(volumes
            .Where(v => v.ConfigMap is not null || v.Secret is not null || v.Projected is not null)
            .Select(v => new V1VolumeMount { Name = v.Name, MountPath = $"{VolumesDirectory}/{v.Name}", ReadOnlyProperty = true }));

        return new V1Container
        {
            Name = AgentContainerName,
            Image = sidecar.Image,
            ImagePullPolicy = "IfNotPresent",
            Args = ["agent", "--server", sidecar.Server.ToString().TrimEnd('/'), "--interval", "10s"],
            Env =
            [
                FromPod("POD_NAME", "metadata.name"),
                FromPod("POD_NAMESPACE", "metadata.namespace"),
                FromPod("POD_UID", "metadata.uid"),
            ],
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("5m"), ["memory"] = new("16Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("32Mi") },
            },
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = AgentUser,
                RunAsGroup = AgentUser,
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            VolumeMounts = mounts,
        };

        static V1EnvVar FromPod(string name, string field) =>
            new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = field } } };
    }

    /// <summary>Appends to a list, or creates it with the one item when the pod has none (adding to "-" of a missing list fails).</summary>
    private static void AddToList(JsonArray patch, string path, bool missing, JsonNode item)
    {
        if (missing)
        {
            Add(patch, path, new JsonArray(item));
        }
        else
        {
            Add(patch, path + "/-", item);
        }
    }

    private static void Add(JsonArray patch, string path, JsonNode value) =>
        patch.Add(new JsonObject { ["op"] = "add", ["path"] = path, ["value"] = value });

    /// <summary>A JSON Pointer reference token (RFC 6901): '~' as ~0, '/' as ~1, in that order.</summary>
    public static string EscapePointer(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static JsonNode ToNode(object model) => JsonNode.Parse(KubernetesJson.Serialize(model))!;

    private static bool IsPod(JsonNode? kind) =>
        kind is JsonObject k && Text(k["group"]) is null or "" && Text(k["version"]) == "v1" && Text(k["kind"]) == "Pod";

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static InjectionResult Answer(string uid, InjectionOutcome outcome, JsonArray? patch = null)
    {
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        string? patchJson = null;
        if (patch is not null)
        {
            patchJson = patch.ToJsonString();
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patchJson));
        }

        return new InjectionResult(Envelope(response), outcome, null) { PatchJson = patchJson };
    }

    /// <summary>
    /// Allowed, with a warning the client shows: the pod starts without the agent. A review
    /// without a uid is answered with an empty one: the API server sends a uid with every review,
    /// so only something else can have sent this, and it gets an answer it can read.
    /// </summary>
    private static InjectionResult Malformed(string? uid, string problem)
    {
        var response = new JsonObject
        {
            ["uid"] = uid ?? string.Empty,
            ["allowed"] = true,
            ["warnings"] = new JsonArray($"driftfabric injector: {problem}; admitted without the agent"),
        };
        return new InjectionResult(Envelope(response), InjectionOutcome.Malformed, problem);
    }

    private static string Envelope(JsonObject response) =>
        new JsonObject { ["apiVersion"] = ReviewApiVersion, ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString();
}
