using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Policy;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Comparison;

/// <summary>
/// Managers fall into appliers, controllers and everyone else (drift semantics v2, section 5),
/// whatever the case of their names; appliers' bookkeeping metadata is never drift (Appendix B).
/// </summary>
public class ManagerClassTests
{
    [Theory]
    [InlineData("argocd")]
    [InlineData("argocd-controller")]
    [InlineData("HashiCorp")]
    [InlineData("hashicorp")]
    [InlineData("Helm")]
    [InlineData("terraform-provider-kubernetes")]
    [InlineData("Pulumi-Kubernetes")]
    public void Pipelines_are_appliers_whatever_the_case_of_their_names(string manager)
    {
        Assert.Equal(ManagerClass.Applier, ManagerClassifier.Default.Classify(manager, "Update", null));
    }

    [Theory]
    [InlineData("external-secrets")]
    [InlineData("cert-manager-cainjector")]
    [InlineData("cainjector")]
    [InlineData("pilot-discovery")]
    [InlineData("vpa-recommender")]
    [InlineData("vpa-updater")]
    [InlineData("cluster-autoscaler")]
    [InlineData("karpenter")]
    [InlineData("controller")]
    [InlineData("Kube-Controller-Manager")]
    [InlineData("KEDA-Operator")]
    public void Well_known_controllers_are_controllers(string manager)
    {
        Assert.Equal(ManagerClass.Controller, ManagerClassifier.Default.Classify(manager, "Update", null));
    }

    [Theory]
    [InlineData("kubectl", "Update", false, ManagerClass.OutOfBand)]
    [InlineData("kubectl", "Update", true, ManagerClass.Applier)]
    [InlineData("Kubectl", "Apply", false, ManagerClass.Applier)]
    [InlineData("my-deploy-script", "Update", true, ManagerClass.Applier)]
    [InlineData("my-deploy-script", "Apply", true, ManagerClass.OutOfBand)]
    [InlineData("kubectl-edit", "Update", false, ManagerClass.OutOfBand)]
    public void An_update_that_owns_the_last_applied_configuration_is_a_client_side_apply(string manager, string operation, bool ownsLastApplied, ManagerClass expected)
    {
        Assert.Equal(expected, ManagerClassifier.Default.Classify(manager, operation, null, ownsLastApplied));
    }

    [Fact]
    public void The_fleet_spec_extends_appliers_and_controllers_whatever_the_case()
    {
        var classifier = new ManagerClassifier(["CI-Deployer"], ["my-autoscaler"]);

        Assert.Equal(ManagerClass.Applier, classifier.Classify("ci-deployer", "Update", null));
        Assert.Equal(ManagerClass.Controller, classifier.Classify("My-Autoscaler", "Update", null));
    }

    [Fact]
    public void A_field_argocd_synced_client_side_is_the_pipelines()
    {
        var live = LiveDeployment(Entry("argocd", "f:spec:\n  f:minReadySeconds: {}")).Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");

        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Theory]
    [InlineData("labels", "app.kubernetes.io/instance", "shop-web")]
    [InlineData("labels", "app.kubernetes.io/managed-by", "Helm")]
    [InlineData("labels", "helm.sh/chart", "web-1.2.0")]
    [InlineData("annotations", "argocd.argoproj.io/tracking-id", "shop:apps/Deployment:shop/web")]
    [InlineData("annotations", "meta.helm.sh/release-name", "web")]
    [InlineData("labels", "kustomize.toolkit.fluxcd.io/name", "apps")]
    [InlineData("annotations", "helm.toolkit.fluxcd.io/name", "web")]
    [InlineData("annotations", "pulumi.com/autonamed", "true")]
    [InlineData("annotations", "field.cattle.io/publicEndpoints", "[]")]
    public void Appliers_bookkeeping_metadata_is_never_drift(string map, string key, string value)
    {
        var live = WithMetadata(LiveDeployment(Entry("kubectl-annotate", $"f:metadata:\n  f:{map}:\n    f:{key}: {{}}")), map, $"{key}: '{value}'");

        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Fact]
    public void A_label_written_by_hand_is_still_drift()
    {
        var live = WithMetadata(LiveDeployment(Entry("kubectl-label", "f:metadata:\n  f:labels:\n    f:team: {}")), "labels", "team: checkout");

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal(("/metadata/labels/team", DriftKind.Added, "kubectl-label"), (drift.Path, drift.Kind, drift.Manager));
    }

    [Fact]
    public void Bookkeeping_metadata_the_code_declares_compares_as_any_field()
    {
        var desired = DesiredDeployment.Swap("  labels:\n    app: web\nspec:", "  labels:\n    app: web\n    app.kubernetes.io/managed-by: Helm\nspec:");
        var live = WithMetadata(LiveDeployment(Entry("kubectl-label", "f:metadata:\n  f:labels:\n    f:app.kubernetes.io/managed-by: {}")), "labels", "app.kubernetes.io/managed-by: kubectl");

        var drift = Drifts.Single(desired, live);

        Assert.Equal(("/metadata/labels/app.kubernetes.io~1managed-by", DriftKind.Modified), (drift.Path, drift.Kind));
    }

    /// <summary>The live Deployment with one more label or annotation (<paramref name="entry"/>, as YAML).</summary>
    private static string WithMetadata(string live, string map, string entry) => map == "labels"
        ? live.Swap("  labels:\n    app: web\n", $"  labels:\n    app: web\n    {entry}\n")
        : live.Swap("    deployment.kubernetes.io/revision: \"3\"\n", $"    deployment.kubernetes.io/revision: \"3\"\n    {entry}\n");
}
