namespace DriftFabric.Engine.Tests.Policy;

/// <summary>
/// CA bundles that machines keep current (cert-manager's cainjector, the fabric's own injector, the
/// API server's controllers) in webhook configurations, conversion webhooks and aggregated APIs are
/// never drift, whatever the code holds and whoever wrote them; the rest of the object is judged.
/// </summary>
public class CertificateBundleTests
{
    private const string DesiredWebhook = """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: driftfabric-injector
        webhooks:
        - name: inject.driftfabric.io
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Ignore
          clientConfig:
            caBundle: T0xEQ0E=
            service: {name: driftfabric-webhook, namespace: driftfabric, path: /inject, port: 443}
        """;

    private static string LiveWebhook(string caBundle, string failurePolicy, string editor) => $$"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: driftfabric-injector
          uid: 5f0c2f8e-8a55-4f0e-9d0a-0d3f4b0c1a11
          resourceVersion: "4711"
          generation: 3
          creationTimestamp: "2026-11-02T03:00:00Z"
          managedFields:
          - manager: kubectl
            operation: Apply
            time: "2026-11-02T03:00:00Z"
            apiVersion: admissionregistration.k8s.io/v1
            fieldsType: FieldsV1
            fieldsV1:
              f:webhooks:
                k:{"name":"inject.driftfabric.io"}:
                  .: {}
                  f:admissionReviewVersions: {}
                  f:clientConfig:
                    f:caBundle: {}
                    f:service:
                      f:name: {}
                      f:namespace: {}
                      f:path: {}
                      f:port: {}
                  f:failurePolicy: {}
                  f:name: {}
                  f:sideEffects: {}
          - manager: {{editor}}
            operation: Update
            time: "2026-11-03T02:00:00Z"
            apiVersion: admissionregistration.k8s.io/v1
            fieldsType: FieldsV1
            fieldsV1:
              f:webhooks:
                k:{"name":"inject.driftfabric.io"}:
                  f:clientConfig:
                    f:caBundle: {}
                  f:failurePolicy: {}
        webhooks:
        - name: inject.driftfabric.io
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: {{failurePolicy}}
          matchPolicy: Equivalent
          namespaceSelector: {}
          objectSelector: {}
          reinvocationPolicy: Never
          timeoutSeconds: 10
          clientConfig:
            caBundle: {{caBundle}}
            service: {name: driftfabric-webhook, namespace: driftfabric, path: /inject, port: 443}
        """;

    [Theory]
    [InlineData("cainjector")]
    [InlineData("kubectl-edit")]
    public void A_rotated_ca_bundle_in_a_webhook_configuration_is_no_drift_whoever_wrote_it(string editor)
    {
        var result = Drifts.Check(DesiredWebhook, LiveWebhook("TkVXQ0E=", "Ignore", editor));

        Assert.Empty(result.Errors);
        Assert.Empty(result.Drifts);
    }

    [Fact]
    public void The_rest_of_the_webhook_configuration_is_judged_beside_a_rotated_ca_bundle()
    {
        var result = Drifts.Check(DesiredWebhook, LiveWebhook("TkVXQ0E=", "Fail", "kubectl-edit"));

        Assert.Empty(result.Errors);
        var line = Assert.Single(Drifts.Lines(result.Drifts));
        Assert.Contains("failurePolicy", line, StringComparison.Ordinal);
        Assert.DoesNotContain("caBundle", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_conversion_webhook_ca_bundle_and_an_aggregated_api_ca_bundle_are_no_drift()
    {
        var desired = """
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata:
              name: v1beta1.metrics.k8s.io
            spec:
              group: metrics.k8s.io
              version: v1beta1
              groupPriorityMinimum: 100
              versionPriority: 100
              caBundle: T0xEQ0E=
              service: {name: metrics-server, namespace: kube-system, port: 443}
            """;
        var live = desired.Replace("caBundle: T0xEQ0E=", "caBundle: TkVXQ0E=", StringComparison.Ordinal);

        Assert.Empty(Drifts.Check(desired, live).Drifts);

        var crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
              versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
              conversion:
                strategy: Webhook
                webhook:
                  conversionReviewVersions: [v1]
                  clientConfig:
                    caBundle: T0xEQ0E=
                    service: {name: widgets, namespace: example, path: /convert, port: 443}
            """;

        Assert.Empty(Drifts.Check(crd, crd.Replace("caBundle: T0xEQ0E=", "caBundle: TkVXQ0E=", StringComparison.Ordinal)).Drifts);
    }
}
