namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void AdmissionRegistration(SchemaBuilder b)
    {
        b.Kind("admissionregistration.k8s.io/MutatingWebhookConfiguration", "MutatingWebhookConfiguration")
            .Kind("admissionregistration.k8s.io/ValidatingWebhookConfiguration", "ValidatingWebhookConfiguration")
            .Kind("admissionregistration.k8s.io/MutatingWebhookConfiguration", "MutatingWebhookConfigurationV1beta1", version: "v1beta1")
            .Kind("admissionregistration.k8s.io/ValidatingWebhookConfiguration", "ValidatingWebhookConfigurationV1beta1", version: "v1beta1");

        // pkg/apis/admissionregistration/v1/defaults.go: SetDefaults_ValidatingWebhook, SetDefaults_MutatingWebhook,
        // SetDefaults_Rule, SetDefaults_ServiceReference
        b.Type("MutatingWebhookConfiguration").Object("metadata", "ObjectMeta").List("webhooks", "MutatingWebhook");
        b.Type("ValidatingWebhookConfiguration").Object("metadata", "ObjectMeta").List("webhooks", "ValidatingWebhook");
        b.Type("ValidatingWebhook")
            .Default("failurePolicy", "Fail")
            .Default("matchPolicy", "Equivalent")
            .DefaultJson("namespaceSelector", "{}")
            .DefaultJson("objectSelector", "{}")
            .Default("timeoutSeconds", 10)
            .List("rules", "RuleWithOperations")
            .Object("clientConfig", "WebhookClientConfig");
        b.Type("MutatingWebhook")
            .Default("failurePolicy", "Fail")
            .Default("matchPolicy", "Equivalent")
            .DefaultJson("namespaceSelector", "{}")
            .DefaultJson("objectSelector", "{}")
            .Default("timeoutSeconds", 10)
            .Default("reinvocationPolicy", "Never")
            .List("rules", "RuleWithOperations")
            .Object("clientConfig", "WebhookClientConfig");
        b.Type("RuleWithOperations").Default("scope", "*");
        b.Type("WebhookClientConfig").Object("service", "ServiceReference");
        b.Type("ServiceReference").Default("port", 443);

        // pkg/apis/admissionregistration/v1beta1/defaults.go: the same functions, with that version's values
        b.Type("MutatingWebhookConfigurationV1beta1").Object("metadata", "ObjectMeta").List("webhooks", "MutatingWebhookV1beta1");
        b.Type("ValidatingWebhookConfigurationV1beta1").Object("metadata", "ObjectMeta").List("webhooks", "ValidatingWebhookV1beta1");
        b.Type("ValidatingWebhookV1beta1")
            .Default("failurePolicy", "Ignore")
            .Default("matchPolicy", "Exact")
            .DefaultJson("namespaceSelector", "{}")
            .DefaultJson("objectSelector", "{}")
            .Default("sideEffects", "Unknown")
            .Default("timeoutSeconds", 30)
            .List("rules", "RuleWithOperations")
            .Object("clientConfig", "WebhookClientConfig");
        b.Type("MutatingWebhookV1beta1")
            .Default("failurePolicy", "Ignore")
            .Default("matchPolicy", "Exact")
            .DefaultJson("namespaceSelector", "{}")
            .DefaultJson("objectSelector", "{}")
            .Default("sideEffects", "Unknown")
            .Default("timeoutSeconds", 30)
            .Default("reinvocationPolicy", "Never")
            .List("rules", "RuleWithOperations")
            .Object("clientConfig", "WebhookClientConfig");
    }
}
