using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// The Prometheus Operator's ServiceMonitor (<c>monitoring.coreos.com/v1</c>), only the fields the
/// install uses: KubernetesClient has no model for it, and a strict read refuses any other field.
/// </summary>
public sealed class ServiceMonitor() : CustomResource<ServiceMonitorSpec>(KubeApiVersion, KubeKind)
{
    public const string KubeApiVersion = "monitoring.coreos.com/v1";
    public const string KubeKind = "ServiceMonitor";
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("namespaceSelector")]
    public ServiceMonitorNamespaceSelector? NamespaceSelector { get; set; }

    [JsonPropertyName("endpoints")]
    public IList<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class ServiceMonitorNamespaceSelector
{
    [JsonPropertyName("any")]
    public bool? Any { get; set; }

    [JsonPropertyName("matchNames")]
    public IList<string>? MatchNames { get; set; }
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")]
    public string? Port { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    [JsonPropertyName("scheme")]
    public string? Scheme { get; set; }
}
