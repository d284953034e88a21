using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;
using DriftFabric.Grains.Remediation;
using DriftFabric.Sources.Kubernetes;
using k8s;

namespace DriftFabric.Grains.Tests.Remediation;

/// <summary>Which remediator puts each resource right, and what a Kubernetes revert refuses before it reads anything.</summary>
public sealed class RemediationPlanTests
{
    private const string Cluster = "plan/prod";
    private static readonly ServiceId Web = new("plan", "prod", "shop", "web");
    private static readonly KubeEndpoint Endpoint = new("/nowhere/kubeconfig", null, InCluster: false, Qps: 5, Burst: 10);

    // Choosing and refusing read no grain and no API server: the remediators get collaborators that fail when used.
    private readonly ProxyRemediator _proxy = new(null!);
    private readonly KubeRemediator _kube = new(Cluster, new NoClients(), SecretDigest.Hmac("a-plan-installation-key"u8), _ => throw new InvalidOperationException("the watched target was asked for"));
    private readonly GitRemediator _git = new(TimeProvider.System);

    private IReadOnlyList<IRemediator> Remediators => [_proxy, _kube, _git];

    private static ClusterConfig Config(bool watched) =>
        new("plan", "prod", "/desired", "/live", "default", [], new PolicySource("none", string.Empty, string.Empty), TimeSpan.FromSeconds(30))
        {
            Kube = watched ? Endpoint : null,
        };

    private static RemediationScope Scope(string action, ClusterConfig? config, params string[] proxies) => new(
        new RemediationRequest(Web, null, action, DryRun: true, "test"),
        config,
        [.. proxies.Select(p => new ProxyStatus(p, ProxyKind.Caddy, "http://127.0.0.1:2019", ProxyState.Ok, null, null, null, $"caddy/Proxy/_/{p}", [Web], 1, Severity.Medium))]);

    private static ResourceState Drifted(string resource, DriftKind kind = DriftKind.Modified, string? desired = "{}", string? live = "{}") =>
        new(resource, desired, live, [new DriftRecord(resource, "/spec/replicas", kind, Severity.Medium, "2", "7", "kubectl", null, DateTimeOffset.UnixEpoch, null)]);

    [Fact]
    public void A_revert_of_a_proxy_the_cluster_has_goes_to_the_proxy_grain()
    {
        var chosen = RemediationPlan.Choose(Drifted("caddy/Proxy/_/edge"), Scope(RemediationRequest.Revert, Config(watched: true), "edge"), Remediators);

        Assert.Same(_proxy, chosen);
    }

    [Theory]
    [InlineData("caddy/Proxy/_/other", true)]  // a proxy the cluster does not have
    [InlineData("caddy/Proxy/_/edge", false)] // a cluster whose configuration is not there
    [InlineData("apps/Deployment/shop/web", true)]
    [InlineData("not a resource", true)]
    public void Every_other_revert_goes_to_kubernetes(string resource, bool configured)
    {
        var chosen = RemediationPlan.Choose(Drifted(resource), Scope(RemediationRequest.Revert, configured ? Config(watched: true) : null, "edge"), Remediators);

        Assert.Same(_kube, chosen);
    }

    [Theory]
    [InlineData("caddy/Proxy/_/edge")]
    [InlineData("apps/Deployment/shop/web")]
    [InlineData("core/Secret/shop/key")]
    public void Every_adoption_goes_to_git(string resource)
    {
        var chosen = RemediationPlan.Choose(Drifted(resource), Scope(RemediationRequest.Adopt, Config(watched: true), "edge"), Remediators);

        Assert.Same(_git, chosen);
    }

    [Fact]
    public void An_action_no_remediator_takes_has_none()
    {
        Assert.Null(RemediationPlan.Choose(Drifted("apps/Deployment/shop/web"), Scope("delete", Config(watched: true)), Remediators));
    }

    [Fact]
    public void A_revert_is_one_call_per_resource_in_their_order()
    {
        var inputs = new[] { Drifted("apps/Deployment/shop/web"), Drifted("caddy/Proxy/_/edge"), Drifted("core/ConfigMap/shop/web") };

        var steps = RemediationPlan.Of(inputs, Scope(RemediationRequest.Revert, Config(watched: true), "edge"), Remediators);

        Assert.Equal([(_kube, "apps/Deployment/shop/web"), (_proxy, "caddy/Proxy/_/edge"), (_kube, "core/ConfigMap/shop/web")],
            steps.Select(s => ((IRemediator)s.Remediator, Assert.Single(s.Inputs).Resource)));
    }

    [Fact]
    public void An_adoption_hands_the_whole_set_to_git_in_one_call()
    {
        var inputs = new[] { Drifted("apps/Deployment/shop/web"), Drifted("caddy/Proxy/_/edge"), Drifted("core/ConfigMap/shop/web") };

        var step = Assert.Single(RemediationPlan.Of(inputs, Scope(RemediationRequest.Adopt, null), Remediators));

        Assert.Same(_git, step.Remediator);
        Assert.Equal(inputs, step.Inputs);
    }

    [Fact]
    public void A_remediator_that_acts_on_the_set_is_called_once_where_its_first_resource_comes()
    {
        var sets = new SetRemediator("core/");
        var inputs = new[] { Drifted("apps/Deployment/shop/web"), Drifted("core/ConfigMap/shop/a"), Drifted("apps/Deployment/shop/api"), Drifted("core/ConfigMap/shop/b") };

        var steps = RemediationPlan.Of(inputs, Scope(RemediationRequest.Revert, Config(watched: true)), [sets, _kube]);

        Assert.Equal(
            ["kube apps/Deployment/shop/web", "set core/ConfigMap/shop/a,core/ConfigMap/shop/b", "kube apps/Deployment/shop/api"],
            steps.Select(s => $"{(s.Remediator == sets ? "set" : "kube")} {string.Join(',', s.Inputs.Select(i => i.Resource))}"));
    }

    [Fact]
    public void A_resource_no_remediator_takes_stops_the_plan_before_any_call()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RemediationPlan.Of([Drifted("apps/Deployment/shop/web")], Scope("delete", null), Remediators));

        Assert.Contains("apps/Deployment/shop/web", error.Message);
    }

    [Fact]
    public async Task A_snapshot_cluster_is_skipped_without_asking_where_its_watch_reads()
    {
        var done = await _kube.RemediateAsync([Drifted("apps/Deployment/shop/web")], Scope(RemediationRequest.Revert, Config(watched: false)));

        var result = Assert.Single(done.Results);
        Assert.Equal((RemediationOutcome.Skipped, "cluster plan/prod is read from a snapshot: there is nothing to write to"), (result.Outcome, result.Message));
    }

    [Fact]
    public void An_unmanaged_object_is_refused_unless_its_delete_is_asked()
    {
        var unmanaged = Drifted("apps/Deployment/shop/old", DriftKind.Unmanaged, desired: null);
        var revert = Scope(RemediationRequest.Revert, Config(watched: true));

        var refused = KubeRemediator.Refusal(unmanaged, revert, Cluster);
        var asked = KubeRemediator.Refusal(unmanaged, revert with { Request = revert.Request with { DeleteUnmanaged = true } }, Cluster);

        Assert.Equal("an unmanaged object is deleted only when asked explicitly (deleteUnmanaged), never by a revert", refused?.Message);
        Assert.Null(asked);
    }

    [Theory]
    [InlineData("apps/Deployment/shop/web", null, "{}", DriftKind.Modified)]   // the code does not declare it
    [InlineData("apps/Deployment/shop/old", null, null, DriftKind.Unmanaged)]  // unmanaged, but nothing was seen to delete
    [InlineData("not a resource", "{}", "{}", DriftKind.Modified)]
    public void What_the_code_does_not_declare_is_not_reverted(string resource, string? desired, string? live, DriftKind kind)
    {
        var revert = Scope(RemediationRequest.Revert, Config(watched: true));

        var refused = KubeRemediator.Refusal(Drifted(resource, kind, desired, live), revert with { Request = revert.Request with { DeleteUnmanaged = true } }, Cluster);

        Assert.Equal((RemediationOutcome.Skipped, "not declared in the code: nothing to revert to"), (refused?.Outcome, refused?.Message));
    }

    [Fact]
    public void A_declared_object_of_a_watched_cluster_may_be_reverted()
    {
        Assert.Null(KubeRemediator.Refusal(Drifted("apps/Deployment/shop/web"), Scope(RemediationRequest.Revert, Config(watched: true)), Cluster));
    }

    private sealed class NoClients : IKubeClientFactory
    {
        public IKubernetes Create(KubeEndpoint endpoint) => throw new InvalidOperationException("an API server was connected to");
    }

    /// <summary>A remediator of the resources whose name starts with a prefix, handed them together.</summary>
    private sealed class SetRemediator(string prefix) : IRemediator
    {
        public bool ActsOnTheSet => true;

        public bool CanActOn(ResourceState input, RemediationScope scope) => input.Resource.StartsWith(prefix, StringComparison.Ordinal);

        public Task<Remediated> RemediateAsync(IReadOnlyList<ResourceState> inputs, RemediationScope scope) => throw new NotSupportedException();
    }
}
