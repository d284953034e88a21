using DriftFabric.Engine.Comparison;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Comparison;

public class ListTests
{
    private const string EditContainer = "f:spec:\n  f:template:\n    f:spec:\n      f:containers:\n        k:{\"name\":\"web\"}:\n";

    [Fact]
    public void Keyed_elements_are_matched_by_key_not_position()
    {
        var desired = DesiredDeployment.Swap("        env:\n        - name: LOG_LEVEL\n          value: info", "        env:\n        - name: A\n          value: a\n        - name: B\n          value: b");
        var live = LiveDeployment(container: DefaultLiveContainer.Swap("  env:\n  - name: LOG_LEVEL\n    value: info", "  env:\n  - name: B\n    value: b\n  - name: A\n    value: a"))
            .Swap("k:{\"name\":\"LOG_LEVEL\"}", "k:{\"name\":\"A\"}");

        Assert.Empty(Drifts.Of(desired, live));
    }

    [Fact]
    public void Changed_value_inside_a_keyed_element_is_addressed_by_key()
    {
        var live = LiveDeployment(
            Entry("kubectl-edit", EditContainer + "          f:env:\n            k:{\"name\":\"LOG_LEVEL\"}:\n              f:value: {}"),
            container: DefaultLiveContainer.Swap("value: info", "value: debug"));

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/spec/template/spec/containers[name=web]/env[name=LOG_LEVEL]/value", drift.Path);
        Assert.Equal(DriftKind.Modified, drift.Kind);
        Assert.Equal("kubectl-edit", drift.Manager);
    }

    [Fact]
    public void Missing_keyed_element_is_reported_at_the_element()
    {
        var desired = DesiredDeployment.Swap("        env:\n        - name: LOG_LEVEL\n          value: info", "        env:\n        - name: LOG_LEVEL\n          value: info\n        - name: REGION\n          value: eu-west-1");

        var drift = Drifts.Single(desired, LiveDeployment());

        Assert.Equal("/spec/template/spec/containers[name=web]/env[name=REGION]", drift.Path);
        Assert.Equal(DriftKind.Missing, drift.Kind);
        Assert.Null(drift.Manager);
        Assert.Null(drift.Live);
    }

    [Fact]
    public void Container_added_by_hand_is_a_high_added_element()
    {
        var live = LiveDeployment(
            Entry("kubectl-edit", "f:spec:\n  f:template:\n    f:spec:\n      f:containers:\n        k:{\"name\":\"debug\"}:\n          .: {}\n          f:name: {}\n          f:image: {}"),
            container: DefaultLiveContainer + "\n- name: debug\n  image: busybox:1.36\n  imagePullPolicy: IfNotPresent");

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal(("/spec/template/spec/containers[name=debug]", DriftKind.Added, Severity.High, "kubectl-edit"), (drift.Path, drift.Kind, drift.Severity, drift.Manager));
    }

    [Fact]
    public void Keyed_element_put_there_by_the_pipeline_is_not_drift()
    {
        var live = LiveDeployment(container: DefaultLiveContainer + "\n- name: sidecar\n  image: proxy:1")
            .Swap("              k:{\"name\":\"web\"}:\n", "              k:{\"name\":\"sidecar\"}:\n                .: {}\n                f:name: {}\n                f:image: {}\n              k:{\"name\":\"web\"}:\n");

        Assert.Empty(Drifts.Of(DesiredDeployment, live));
    }

    [Fact]
    public void Volume_mounts_are_keyed_by_escaped_mount_path()
    {
        var desired = DesiredDeployment.Swap("        resources:", "        volumeMounts:\n        - name: data\n          mountPath: /var/lib/data\n        resources:");
        var live = LiveDeployment(container: DefaultLiveContainer.Swap("  resources:", "  volumeMounts:\n  - name: data\n    mountPath: /var/lib/data\n    readOnly: true\n  resources:"))
            .Swap("f:terminationMessagePath: {}", "f:terminationMessagePath: {}\n                f:volumeMounts:\n                  k:{\"mountPath\":\"/var/lib/data\"}:\n                    f:readOnly: {}");
        var byHand = live.Swap("- manager: kube-controller-manager\n    operation: Update\n    subresource: status", "- manager: kubectl-edit\n    operation: Update\n    time: \"2026-11-01T00:00:00Z\"\n    fieldsV1:\n      f:spec:\n        f:template:\n          f:spec:\n            f:containers:\n              k:{\"name\":\"web\"}:\n                f:volumeMounts:\n                  k:{\"mountPath\":\"/var/lib/data\"}:\n                    f:readOnly: {}\n  - manager: kube-controller-manager\n    operation: Update\n    subresource: status");

        Assert.Empty(Drifts.Of(desired, live));
        var drift = Drifts.Single(desired, byHand);
        Assert.Equal("/spec/template/spec/containers[name=web]/volumeMounts[mountPath=~1var~1lib~1data]/readOnly", drift.Path);
        Assert.Equal(DriftKind.Added, drift.Kind);
    }

    [Fact]
    public void Container_ports_are_keyed_by_container_port_and_owned_through_the_full_server_key()
    {
        var live = LiveDeployment(
            Entry("kubectl-edit", EditContainer + "          f:ports:\n            k:{\"containerPort\":8080,\"protocol\":\"TCP\"}:\n              f:name: {}"),
            container: DefaultLiveContainer.Swap("    name: http", "    name: web-http"));

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/spec/template/spec/containers[name=web]/ports[containerPort=8080]/name", drift.Path);
        Assert.Equal(Severity.High, drift.Severity);
        Assert.Equal("kubectl-edit", drift.Manager);
    }

    [Fact]
    public void Reordered_atomic_list_is_modified_at_the_list()
    {
        var live = LiveDeployment(
            Entry("kubectl-edit", EditContainer + "          f:args: {}"),
            container: DefaultLiveContainer.Swap("args: [\"--port\", \"8080\"]", "args: [\"8080\", \"--port\"]"));

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/spec/template/spec/containers[name=web]/args", drift.Path);
        Assert.Equal(DriftKind.Modified, drift.Kind);
        Assert.Equal(Severity.High, drift.Severity);
        Assert.Equal("[\"--port\",\"8080\"]", drift.Desired!.ToJson());
    }

    private const string DesiredRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: reader
        rules:
        - apiGroups: [""]
          resources: [pods]
          verbs: [get, list]
        """;

    private static string LiveRole(string manager, string rule) => $$"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: reader
          managedFields:
          - manager: {{manager}}
            operation: Update
            time: "2026-11-02T03:12:44Z"
            fieldsV1:
              f:rules: {}
        rules:
        - {{rule}}
        """;

    [Fact]
    public void Server_defaults_inside_atomic_list_elements_are_not_drift()
    {
        var live = LiveRole("kubectl-client-side-apply", "{apiGroups: [\"\"], resources: [pods], verbs: [get, list], resourceNames: [a]}");
        Assert.Empty(Drifts.Of(DesiredRole, live));
    }

    [Fact]
    public void Extra_fields_inside_an_atomic_list_rewritten_out_of_band_are_drift()
    {
        var live = LiveRole("kubectl-edit", "{apiGroups: [\"\"], resources: [pods], verbs: [get, list], resourceNames: [a]}");

        var drift = Drifts.Single(DesiredRole, live);

        Assert.Equal(("rbac.authorization.k8s.io/ClusterRole/_/reader", "/rules", DriftKind.Modified, Severity.Critical), (drift.Resource.ToString(), drift.Path, drift.Kind, drift.Severity));
    }

    [Fact]
    public void Atomic_list_of_another_length_is_modified()
    {
        var live = LiveRole("kubectl-client-side-apply", "{apiGroups: [\"\"], resources: [pods, secrets], verbs: [get, list]}");
        Assert.Equal("/rules", Drifts.Single(DesiredRole, live).Path);
    }

    [Fact]
    public void Service_ports_are_keyed_by_port()
    {
        const string desired = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec:
              selector: {app: web}
              ports:
              - {name: http, port: 80, targetPort: 8080}
              - {name: https, port: 443, targetPort: 8443}
            """;
        const string live = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec:
              clusterIP: 10.96.0.10
              type: ClusterIP
              sessionAffinity: None
              selector: {app: web}
              ports:
              - {name: https, port: 443, targetPort: 9443, protocol: TCP}
              - {name: http, port: 80, targetPort: 8080, protocol: TCP}
            """;

        var drift = Drifts.Single(desired, live);

        Assert.Equal(("/spec/ports[port=443]/targetPort", Severity.High), (drift.Path, drift.Severity));
    }
}
