using DriftFabric.Engine.Comparison;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Comparison;

public class DefaultsAndOwnersTests
{
    [Fact]
    public void Server_defaults_status_and_system_metadata_are_not_drift()
    {
        Assert.Empty(Drifts.Of(DesiredDeployment, LiveDeployment()));
    }

    [Fact]
    public void Value_changed_by_hand_is_modified_with_the_manager_and_time()
    {
        var live = LiveDeployment(Entry("kubectl-scale", "f:spec:\n  f:replicas: {}", subresource: "scale"), replicas: "5");
        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/spec/replicas", drift.Path);
        Assert.Equal(DriftKind.Modified, drift.Kind);
        Assert.Equal(Severity.Medium, drift.Severity);
        Assert.Equal("kubectl-scale", drift.Manager);
        Assert.Equal(DateTimeOffset.Parse("2026-11-02T03:12:44Z", System.Globalization.CultureInfo.InvariantCulture), drift.ChangedAt);
        Assert.Equal("2", drift.Desired!.ToJson());
        Assert.Equal("5", drift.Live!.ToJson());
    }

    [Fact]
    public void Replicas_owned_by_a_controller_are_not_drift()
    {
        var live = LiveDeployment(Entry("kube-controller-manager", "f:spec:\n  f:replicas: {}", subresource: "scale"), replicas: "9");
        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Theory]
    [InlineData("keda-operator")]
    [InlineData("my-autoscaler-controller")]
    [InlineData("vpa-controller-manager")]
    public void Managers_named_like_controllers_are_controllers(string manager)
    {
        var live = LiveDeployment(Entry(manager, "f:spec:\n  f:replicas: {}"), replicas: "9");
        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Fact]
    public void A_status_entry_is_a_controller_whatever_its_name()
    {
        var live = LiveDeployment(Entry("kubectl-edit", "f:spec:\n  f:replicas: {}", subresource: "status"), replicas: "9");
        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Fact]
    public void Value_applied_by_the_pipeline_but_not_in_git_is_modified_by_the_applier()
    {
        var live = LiveDeployment(replicas: "3");
        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal(DriftKind.Modified, drift.Kind);
        Assert.Equal("kubectl-client-side-apply", drift.Manager);
    }

    [Fact]
    public void Live_field_absent_from_desired_is_added_only_when_out_of_band()
    {
        var byHand = LiveDeployment(Entry("kubectl-patch", "f:spec:\n  f:minReadySeconds: {}")).Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");
        var byController = LiveDeployment(Entry("rollout-operator", "f:spec:\n  f:minReadySeconds: {}")).Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");
        var unowned = LiveDeployment().Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");

        var drift = Drifts.Single(DesiredDeployment, byHand);
        Assert.Equal(("/spec/minReadySeconds", DriftKind.Added, "kubectl-patch"), (drift.Path, drift.Kind, drift.Manager));
        Assert.Null(drift.Desired);
        Assert.Equal("30", drift.Live!.ToJson());
        Assert.Empty(Drifts.Of(DesiredDeployment, byController));
        Assert.Empty(Drifts.Of(DesiredDeployment, unowned));
    }

    [Fact]
    public void Added_subtree_is_reported_at_its_shallowest_path_when_one_out_of_band_manager_owns_it()
    {
        var live = LiveDeployment(Entry("kubectl-rollout", "f:spec:\n  f:template:\n    f:metadata:\n      f:annotations:\n        .: {}\n        f:kubectl.kubernetes.io/restartedAt: {}"))
            .Swap("      creationTimestamp: null", "      creationTimestamp: null\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"2026-11-02T03:12:44Z\"");

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/spec/template/metadata/annotations", drift.Path);
        Assert.Equal(DriftKind.Added, drift.Kind);
        Assert.Equal(Severity.Medium, drift.Severity);
    }

    [Fact]
    public void Subtree_with_several_owners_is_reported_where_only_out_of_band_managers_own_fields()
    {
        // The applier owns one annotation, a human added another: only the human's key is drift.
        var live = LiveDeployment(Entry("kubectl-annotate", "f:metadata:\n  f:annotations:\n    f:oncall: {}"))
            .Swap("    deployment.kubernetes.io/revision: \"3\"", "    deployment.kubernetes.io/revision: \"3\"\n    oncall: bob");

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/metadata/annotations/oncall", drift.Path);
        Assert.Equal(Severity.Low, drift.Severity);
        Assert.Equal("kubectl-annotate", drift.Manager);
    }

    [Fact]
    public void Most_recent_entry_naming_a_field_owns_it()
    {
        // Edited by hand, then re-applied by the pipeline: the pipeline owns the value again.
        var live = LiveDeployment(Entry("kubectl-edit", "f:spec:\n  f:replicas: {}", time: "2026-10-02T00:00:00Z"), replicas: "3")
            .Swap("    time: \"2026-10-01T09:00:00Z\"\n    apiVersion: apps/v1\n    fieldsType: FieldsV1\n    fieldsV1:\n      f:metadata:\n        f:labels:", "    time: \"2026-10-03T09:00:00Z\"\n    apiVersion: apps/v1\n    fieldsType: FieldsV1\n    fieldsV1:\n      f:metadata:\n        f:labels:");

        Assert.Equal("kubectl-client-side-apply", Drifts.Single(DesiredDeployment, live).Manager);
    }

    [Theory]
    [InlineData("argocd-application-controller", "Update")]
    [InlineData("helm", "Update")]
    [InlineData("terraform-provider-kubernetes", "Update")]
    [InlineData("kubectl", "Apply")]
    public void Fields_added_by_appliers_are_not_drift(string manager, string operation)
    {
        var live = LiveDeployment(Entry(manager, "f:spec:\n  f:minReadySeconds: {}", operation: operation))
            .Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");
        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Fact]
    public void Kubectl_with_an_update_operation_is_out_of_band()
    {
        var live = LiveDeployment(Entry("kubectl", "f:spec:\n  f:minReadySeconds: {}", operation: "Update"))
            .Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");
        Assert.Equal("kubectl", Drifts.Single(DesiredDeployment, live).Manager);
    }

    [Fact]
    public void Without_managed_fields_only_keyed_elements_are_added_and_no_drift_has_a_manager()
    {
        var start = LiveDeployment().IndexOf("  managedFields:", StringComparison.Ordinal);
        var end = LiveDeployment().IndexOf("spec:\n  replicas", StringComparison.Ordinal);
        var bare = LiveDeployment()[..start] + LiveDeployment()[end..];
        var live = bare
            .Swap("  replicas: 2", "  replicas: 4\n  minReadySeconds: 30")
            .Swap("env:\n        - name: LOG_LEVEL", "env:\n        - name: DEBUG\n          value: \"1\"\n        - name: LOG_LEVEL");

        var drifts = Drifts.Of(DesiredDeployment, live);

        Assert.Equal(
            ["apps/Deployment/shop/web /spec/replicas Modified", "apps/Deployment/shop/web /spec/template/spec/containers[name=web]/env[name=DEBUG] Added"],
            Drifts.Lines(drifts));
        Assert.All(drifts, d => Assert.Null(d.Manager));
    }

    [Fact]
    public void Server_defaults_are_not_drift_even_when_an_out_of_band_manager_wrote_them()
    {
        // Created with `kubectl create`, then put into Git: kubectl-create owns every default.
        var live = LiveDeployment().Swap("- manager: kubectl-client-side-apply", "- manager: kubectl-create")
            .Swap("              f:terminationMessagePath: {}", "              f:terminationMessagePath: {}\n              f:terminationMessagePolicy: {}\n            f:dnsPolicy: {}\n            f:restartPolicy: {}\n            f:schedulerName: {}\n            f:terminationGracePeriodSeconds: {}\n        f:progressDeadlineSeconds: {}\n        f:revisionHistoryLimit: {}\n        f:strategy:\n          f:type: {}\n          f:rollingUpdate:\n            f:maxSurge: {}\n            f:maxUnavailable: {}");

        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Fact]
    public void Values_that_differ_from_the_default_are_added_by_their_out_of_band_owner()
    {
        var live = LiveDeployment(Entry("kubectl-edit", "f:spec:\n  f:template:\n    f:spec:\n      f:dnsPolicy: {}\n      f:containers:\n        k:{\"name\":\"web\"}:\n          f:imagePullPolicy: {}"))
            .Swap("dnsPolicy: ClusterFirst", "dnsPolicy: Default")
            .Swap("imagePullPolicy: IfNotPresent", "imagePullPolicy: Always");

        Assert.Equal(
            ["apps/Deployment/shop/web /spec/template/spec/containers[name=web]/imagePullPolicy Added", "apps/Deployment/shop/web /spec/template/spec/dnsPolicy Added"],
            Drifts.Lines(Drifts.Of(DesiredDeployment, live)));
    }

    [Fact]
    public void Service_created_by_hand_keeps_its_allocated_and_defaulted_fields_out_of_the_report()
    {
        const string desired = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec:
              selector: {app: web}
              ports:
              - {name: http, port: 80}
            """;
        const string live = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: shop
              managedFields:
              - manager: kubectl-create
                operation: Update
                time: "2026-10-01T09:00:00Z"
                fieldsV1:
                  f:spec:
                    f:selector: {}
                    f:type: {}
                    f:sessionAffinity: {}
                    f:clusterIP: {}
                    f:clusterIPs: {}
                    f:ipFamilies: {}
                    f:ipFamilyPolicy: {}
                    f:internalTrafficPolicy: {}
                    f:ports:
                      k:{"port":80,"protocol":"TCP"}:
                        .: {}
                        f:name: {}
                        f:port: {}
                        f:protocol: {}
                        f:targetPort: {}
            spec:
              selector: {app: web}
              type: ClusterIP
              sessionAffinity: None
              clusterIP: 10.96.4.4
              clusterIPs: [10.96.4.4]
              ipFamilies: [IPv4]
              ipFamilyPolicy: SingleStack
              internalTrafficPolicy: Cluster
              ports:
              - {name: http, port: 80, protocol: TCP, targetPort: 80}
            """;

        Assert.Empty(Drifts.Of(desired, live));
        Assert.Equal("/spec/ports[port=80]/targetPort", Drifts.Single(desired, live.Swap("targetPort: 80", "targetPort: 8080")).Path);
    }

    [Fact]
    public void Labels_and_finalizers_the_api_server_stamps_on_a_namespace_are_not_drift()
    {
        const string desired = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: retail}\n";
        const string live = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
              labels: {team: retail, kubernetes.io/metadata.name: shop}
              managedFields:
              - manager: kubectl-create
                operation: Update
                time: "2026-10-01T09:00:00Z"
                fieldsV1:
                  f:metadata:
                    f:labels:
                      .: {}
                      f:kubernetes.io/metadata.name: {}
                      f:team: {}
                  f:spec:
                    f:finalizers: {}
            spec:
              finalizers: [kubernetes]
            status: {phase: Active}
            """;

        Assert.Empty(Drifts.Of(desired, live));
        Assert.Equal("/metadata/labels/kubernetes.io~1metadata.name", Drifts.Single(desired, live.Swap("kubernetes.io/metadata.name: shop}", "kubernetes.io/metadata.name: other}")).Path);
    }
}
