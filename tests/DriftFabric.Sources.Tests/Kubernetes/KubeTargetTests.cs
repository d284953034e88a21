using DriftFabric.Sources.Kubernetes;

namespace DriftFabric.Sources.Tests.Kubernetes;

/// <summary>How a watched resource is named in errors and health: as kubectl names it.</summary>
public class KubeTargetTests
{
    [Theory]
    [InlineData("", "v1", "Service", "services", "shop", "services in shop")]
    [InlineData("apps", "v1", "Deployment", "deployments", "shop", "deployments.apps in shop")]
    [InlineData("", "v1", "Namespace", "namespaces", null, "namespaces")]
    [InlineData("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", null, "customresourcedefinitions.apiextensions.k8s.io")]
    public void A_target_is_named_as_kubectl_names_its_resource_a_core_one_without_a_trailing_dot(string group, string version, string kind, string plural, string? ns, string expected) =>
        Assert.Equal(expected, new KubeTarget(group, version, kind, plural, ns is not null, ns).ToString());
}
