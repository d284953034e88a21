using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// A custom resource the install ships and KubernetesClient has no model for: only the fields the
/// install uses are in <typeparamref name="TSpec"/>, so a strict read refuses any other field.
/// </summary>
public abstract class CustomResource<TSpec>(string apiVersion, string kind) : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = apiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();
}
