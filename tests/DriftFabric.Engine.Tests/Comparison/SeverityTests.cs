using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Tests.Comparison;

public class SeverityTests
{
    [Theory]
    [InlineData("security.istio.io/PeerAuthentication/shop/default", "/spec/mtls/mode", "Modified", "critical")]
    [InlineData("networking.k8s.io/NetworkPolicy/shop/deny", "/spec/ingress", "Modified", "critical")]
    [InlineData("core/Secret/shop/db", "/metadata/labels/x", "Added", "critical")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/securityContext/runAsUser", "Modified", "critical")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/containers[name=web]/securityContext/privileged", "Added", "critical")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/hostNetwork", "Added", "critical")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/serviceAccountName", "Modified", "critical")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/volumes[name=host]/hostPath", "Added", "critical")]
    [InlineData("apps/Deployment/shop/web", "", "Missing", "high")]
    [InlineData("core/ConfigMap/shop/x", "", "Unmanaged", "high")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/containers[name=debug]", "Added", "high")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/initContainers[name=init]", "Missing", "high")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/containers[name=web]/image", "Modified", "high")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/initContainers[name=init]/command", "Modified", "high")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/containers[name=web]/args", "Modified", "high")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/spec/containers[name=web]/ports[containerPort=80]", "Added", "high")]
    [InlineData("core/Service/shop/web", "/spec/selector/app", "Modified", "high")]
    [InlineData("core/Service/shop/web", "/spec/type", "Added", "high")]
    [InlineData("networking.istio.io/DestinationRule/shop/web", "/spec/trafficPolicy/tls/mode", "Modified", "high")]
    [InlineData("gateway.networking.k8s.io/HTTPRoute/shop/web", "/spec/rules", "Modified", "high")]
    [InlineData("apps/Deployment/shop/web", "/metadata/labels/owner", "Added", "low")]
    [InlineData("apps/Deployment/shop/web", "/metadata/annotations", "Added", "low")]
    [InlineData("apps/Deployment/shop/web", "/spec/template/metadata/annotations", "Added", "medium")]
    [InlineData("apps/Deployment/shop/web", "/spec/replicas", "Modified", "medium")]
    [InlineData("core/Service/shop/web", "/spec/externalTrafficPolicy", "Added", "medium")]
    [InlineData("networking.istio.io/VirtualService/shop/web", "/metadata/labels/x", "Added", "low")]
    public void Severity_follows_the_first_matching_rule(string resource, string path, string kind, string expected)
    {
        Assert.True(ResourceKey.TryParse(resource, out var key));
        Assert.True(DriftNames.TryParseKind(kind, out var driftKind));

        var severity = SeverityRules.Classify(key, driftKind, PathStep.Parse(path, out _)!);

        Assert.Equal(expected, severity.ToText());
    }

    [Fact]
    public void Fleet_overrides_win_over_the_built_in_rules()
    {
        var policy = new DriftPolicy
        {
            SeverityOverrides = [new SeverityOverride(new ResourceSelector(Kind: "Deployment", Namespace: "batch-*"), PathPattern.Parse("/spec/replicas"), DriftKind.Modified, Severity.Low)],
        };
        Assert.True(ResourceKey.TryParse("apps/Deployment/batch-eu/job", out var matching));
        Assert.True(ResourceKey.TryParse("apps/Deployment/shop/job", out var other));
        var path = PathStep.Parse("/spec/replicas", out _)!;

        Assert.Equal(Severity.Low, policy.SeverityOf(matching, DriftKind.Modified, path));
        Assert.Equal(Severity.Medium, policy.SeverityOf(other, DriftKind.Modified, path));
        Assert.Equal(Severity.Medium, policy.SeverityOf(matching, DriftKind.Added, path));
    }
}
