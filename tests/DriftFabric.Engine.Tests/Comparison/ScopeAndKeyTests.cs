using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Tests.Comparison;

public class ScopeAndKeyTests
{
    private const string DesiredConfig = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app-config, namespace: shop}
        data: {currency: EUR}
        """;

    private static string LiveConfig(string name, string ns = "shop", string extraMetadata = "") => $$"""
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{name}}
          namespace: {{ns}}
          {{extraMetadata}}
          managedFields:
          - manager: kubectl-create
            operation: Update
            time: "2026-10-05T10:00:00Z"
            fieldsV1:
              f:data:
                f:x: {}
          - manager: kubectl-edit
            operation: Update
            time: "2026-10-06T10:00:00Z"
            fieldsV1:
              f:data:
                f:x: {}
        data: {x: "y"}

        """;

    private static readonly string LiveDesired = LiveConfig("app-config").Replace("{x: \"y\"}", "{currency: EUR}", StringComparison.Ordinal).Replace("f:x", "f:currency", StringComparison.Ordinal);

    [Fact]
    public void Live_object_in_scope_that_no_document_declares_is_unmanaged_by_its_creator()
    {
        var drift = Drifts.Single(DesiredConfig, LiveDesired + LiveConfig("debug-flags"));

        Assert.Equal(("core/ConfigMap/shop/debug-flags", "", DriftKind.Unmanaged, Severity.High), (drift.Resource.ToString(), drift.Path, drift.Kind, drift.Severity));
        Assert.Equal("kubectl-create", drift.Manager);
    }

    [Theory]
    [InlineData("other", "billing", "")]
    [InlineData("leftover", "kube-system", "")]
    [InlineData("owned", "shop", "ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: u}]")]
    [InlineData("kube-root-ca.crt", "shop", "")]
    [InlineData("istio-ca-root-cert", "shop", "")]
    public void Objects_outside_the_scope_or_created_by_the_cluster_are_not_unmanaged(string name, string ns, string extraMetadata)
    {
        Assert.Empty(Drifts.Of(DesiredConfig, LiveDesired + LiveConfig(name, ns, extraMetadata)));
    }

    [Theory]
    [InlineData("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: \"system:aggregate-to-view\"}\n")]
    [InlineData("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: view, labels: {kubernetes.io/bootstrapping: rbac-defaults}}\n")]
    public void Built_in_cluster_objects_are_not_unmanaged(string live)
    {
        const string desired = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []\n";
        Assert.Empty(Drifts.Of(desired, desired + "---\n" + live));
    }

    [Theory]
    [InlineData("helm.sh/release.v1", false)]
    [InlineData("kubernetes.io/service-account-token", false)]
    [InlineData("Opaque", true)]
    public void Secrets_that_tools_keep_for_themselves_are_not_unmanaged(string type, bool unmanaged)
    {
        const string desired = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ndata: {a: YQ==}\n";
        var live = desired + $"---\napiVersion: v1\nkind: Secret\nmetadata: {{name: other, namespace: shop}}\ntype: {type}\n";
        Assert.Equal(unmanaged, Drifts.Of(desired, live).Any(d => d.Kind == DriftKind.Unmanaged));
    }

    [Fact]
    public void Kinds_the_desired_state_does_not_use_are_out_of_scope()
    {
        const string secret = """
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: stray, namespace: shop}

            """;
        Assert.Empty(Drifts.Of(DesiredConfig, LiveDesired + secret));
    }

    [Fact]
    public void Desired_object_absent_live_is_missing_and_high()
    {
        var drift = Drifts.Single(DesiredConfig, "apiVersion: v1\nkind: List\nitems: []");
        Assert.Equal(("core/ConfigMap/shop/app-config", DriftKind.Missing, Severity.High), (drift.Resource.ToString(), drift.Kind, drift.Severity));
        Assert.Null(drift.Manager);
    }

    [Fact]
    public void Version_is_not_part_of_the_key()
    {
        var desired = "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 2}";
        var live = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 2}";
        Assert.Empty(Drifts.Of(desired, live));
    }

    [Fact]
    public void Namespaced_object_without_namespace_lives_in_the_default_namespace()
    {
        var desired = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}";
        Assert.Equal("core/ConfigMap/default/cfg", Drifts.Single(desired, "kind: List\napiVersion: v1\nitems: []").Resource.ToString());
        Assert.Equal("core/ConfigMap/team-a/cfg", Drifts.Single(desired, "kind: List\napiVersion: v1\nitems: []", new DriftPolicy { DefaultNamespace = "team-a" }).Resource.ToString());
    }

    [Fact]
    public void Cluster_scoped_objects_use_an_underscore_namespace()
    {
        var desired = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []";
        Assert.Equal("rbac.authorization.k8s.io/ClusterRole/_/reader", Drifts.Single(desired, "kind: List\napiVersion: v1\nitems: []").Resource.ToString());
    }

    [Fact]
    public void Custom_kinds_learn_their_scope_from_live_objects_and_crds()
    {
        const string desired = """
            apiVersion: example.com/v1
            kind: Tenant
            metadata: {name: acme}
            spec: {tier: gold}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: clusterpolicies.example.com}
            spec:
              group: example.com
              scope: Cluster
              names: {kind: ClusterPolicy, plural: clusterpolicies}
            ---
            apiVersion: example.com/v1
            kind: ClusterPolicy
            metadata: {name: strict}
            """;
        const string live = """
            apiVersion: example.com/v1
            kind: Tenant
            metadata: {name: acme}
            spec: {tier: gold}
            """;

        var keys = Drifts.Of(desired, live).Select(d => d.Resource.ToString()).ToList();

        Assert.DoesNotContain("example.com/Tenant/default/acme", keys);
        Assert.Contains("example.com/ClusterPolicy/_/strict", keys);
    }

    [Fact]
    public void Declaring_one_resource_twice_is_an_error_naming_both_places()
    {
        var set = Drifts.Load("desired.yaml", DesiredConfig + "\n---\n" + DesiredConfig);
        var result = new DriftEngine().Check(set.Manifests, []);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("desired.yaml", 6), (error.Source, error.Line));
        Assert.Contains("declared twice (first at desired.yaml:1)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1", "core")]
    [InlineData("apps/v1", "apps")]
    [InlineData("networking.istio.io/v1beta1", "networking.istio.io")]
    public void Group_is_the_api_version_without_its_version(string apiVersion, string group) => Assert.Equal(group, ResourceKey.GroupOf(apiVersion));
}
