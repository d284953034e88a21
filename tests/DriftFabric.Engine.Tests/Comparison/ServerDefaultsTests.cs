using DriftFabric.Engine.Comparison;

namespace DriftFabric.Engine.Tests.Comparison;

/// <summary>
/// Server defaults are never drift, at any depth, whoever wrote them; a desired value equal to
/// its default equals an absent live field, while pointer fields without a default keep an
/// explicit value (drift semantics v2, sections 3 and 4, Appendix A).
/// </summary>
public class ServerDefaultsTests
{
    private const string Desired = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: email, namespace: shop}
        spec:
          selector: {matchLabels: {app: email}}
          template:
            metadata: {labels: {app: email}}
            spec:
              containers:
              - name: email
                image: email:1.0.7
                ports: [{containerPort: 8080}]
                readinessProbe: {httpGet: {path: /healthz, port: 8080}}
        """;

    /// <summary>As <c>kubectl create</c> leaves it: one out-of-band Update owning every field the server defaulted.</summary>
    private const string CreatedByHand = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"email","namespace":"shop","managedFields":[
          {"manager":"kubectl-create","operation":"Update","time":"2026-11-02T03:00:00Z","fieldsV1":{"f:spec":{"f:replicas":{},"f:progressDeadlineSeconds":{},
            "f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},
            "f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},
              "f:terminationGracePeriodSeconds":{},"f:containers":{"k:{\"name\":\"email\"}":{".":{},"f:name":{},"f:image":{},"f:imagePullPolicy":{},
                "f:terminationMessagePath":{},"f:terminationMessagePolicy":{},"f:ports":{"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},
                "f:readinessProbe":{".":{},"f:failureThreshold":{},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{},
                  "f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}}}}}}}}}}]},
         "spec":{"replicas":1,"progressDeadlineSeconds":600,"revisionHistoryLimit":10,"selector":{"matchLabels":{"app":"email"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
           "template":{"metadata":{"labels":{"app":"email"}},"spec":{"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",
             "securityContext":{},"terminationGracePeriodSeconds":30,"containers":[{"name":"email","image":"email:1.0.7","imagePullPolicy":"IfNotPresent",
             "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","ports":[{"containerPort":8080,"protocol":"TCP"}],
             "readinessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"failureThreshold":3,"periodSeconds":10,"successThreshold":1,"timeoutSeconds":1}}]}}}}
        """;

    [Fact]
    public void Defaults_an_out_of_band_creator_owns_are_no_drift_at_any_depth()
    {
        Assert.Empty(Drifts.Of(Desired, CreatedByHand));
    }

    [Fact]
    public void A_map_the_creator_made_is_drift_when_one_value_in_it_is_no_default()
    {
        var live = CreatedByHand.Swap("\"maxSurge\":\"25%\"", "\"maxSurge\":\"50%\"");

        var drift = Drifts.Single(Desired, live);

        // The code declares no strategy: the whole map is reported, its one value that is no default in it.
        Assert.Equal(("/spec/strategy", DriftKind.Added, "kubectl-create"), (drift.Path, drift.Kind, drift.Manager));
        Assert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"50%","maxUnavailable":"25%"}}""", drift.Live!.ToJson());
    }

    [Fact]
    public void A_desired_value_equal_to_its_default_equals_an_absent_live_field()
    {
        // minReadySeconds and paused are non-pointer omitempty fields: the server leaves their zero values out.
        var desired = Desired.Swap("spec:\n  selector:", "spec:\n  minReadySeconds: 0\n  paused: false\n  replicas: 1\n  selector:").Swap(
            "    spec:\n      containers:", "    spec:\n      hostNetwork: false\n      dnsPolicy: ClusterFirst\n      containers:");
        var live = CreatedByHand.Swap("\"replicas\":1,", string.Empty).Swap("\"dnsPolicy\":\"ClusterFirst\",", string.Empty);

        Assert.Empty(Drifts.Of(desired, live));
    }

    [Fact]
    public void A_pointer_field_without_a_default_keeps_its_explicit_value()
    {
        var desired = Desired.Swap("        image: email:1.0.7\n", "        image: email:1.0.7\n        securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true}\n");

        var drift = Drifts.Single(desired, CreatedByHand);

        Assert.Equal(("/spec/template/spec/containers[name=email]/securityContext", DriftKind.Missing, Severity.Critical), (drift.Path, drift.Kind, drift.Severity));
    }

    [Fact]
    public void A_default_spelled_out_in_desired_compares_with_the_live_value()
    {
        var desired = Desired.Swap("spec:\n  selector:", "spec:\n  replicas: 1\n  selector:");
        var live = CreatedByHand.Swap("\"replicas\":1,", "\"replicas\":4,");

        var drift = Drifts.Single(desired, live);

        Assert.Equal(("/spec/replicas", DriftKind.Modified), (drift.Path, drift.Kind));
    }

    [Fact]
    public void Defaults_inside_an_atomic_list_rewritten_by_hand_are_no_drift()
    {
        const string desired = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress:
              - ports: [{port: 8080}]
            """;
        const string live = """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"web","namespace":"shop","managedFields":[
              {"manager":"kubectl-edit","operation":"Update","time":"2026-11-02T03:00:00Z","fieldsV1":{"f:spec":{"f:ingress":{},"f:policyTypes":{}}}}]},
             "spec":{"podSelector":{"matchLabels":{"app":"web"}},"policyTypes":["Ingress"],"ingress":[{"ports":[{"port":8080,"protocol":"TCP"}]}]}}
            """;

        Assert.Empty(Drifts.Of(desired, live));
        Assert.Equal("/spec/ingress", Drifts.Single(desired, live.Swap("\"protocol\":\"TCP\"", "\"protocol\":\"UDP\"")).Path);
    }

    [Theory]
    [InlineData("\"policyTypes\":[\"Ingress\",\"Egress\"]", true)]
    [InlineData("\"policyTypes\":[\"Ingress\"]", false)]
    public void Network_policy_types_default_to_ingress_and_egress_when_egress_rules_are_declared(string policyTypes, bool drift)
    {
        const string desired = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web, namespace: shop}
            spec:
              podSelector: {}
            """;
        var live = """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"web","namespace":"shop","managedFields":[
              {"manager":"kubectl-create","operation":"Update","time":"2026-11-02T03:00:00Z","fieldsV1":{"f:spec":{"f:policyTypes":{}}}}]},
             "spec":{"podSelector":{},@0@}}
            """.Replace("@0@", policyTypes, StringComparison.Ordinal);

        Assert.Equal(drift, Drifts.Of(desired, live).Count == 1);
    }
}
