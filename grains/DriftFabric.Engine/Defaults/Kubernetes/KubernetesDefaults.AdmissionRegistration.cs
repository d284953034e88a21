namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private const string AdmissionGroup = "admissionregistration.k8s.io";

    private static void AdmissionRegistration(SchemaBuilder b)
    {
        b.Kind(AdmissionGroup + "/MutatingWebhookConfiguration", "MutatingWebhookConfiguration")
            .Kind(AdmissionGroup + "/ValidatingWebhookConfiguration", "ValidatingWebhookConfiguration")
            .Kind(AdmissionGroup + "/MutatingWebhookConfiguration", "MutatingWebhookConfigurationV1beta1", version: "v1beta1")
            .Kind(AdmissionGroup + "/ValidatingWebhookConfiguration", "ValidatingWebhookConfigurationV1beta1", version: "v1beta1")
            .Kind(AdmissionGroup + "/ValidatingAdmissionPolicy", "ValidatingAdmissionPolicy")
            .Kind(AdmissionGroup + "/ValidatingAdmissionPolicyBinding", "ValidatingAdmissionPolicyBinding")
            .Kind(AdmissionGroup + "/MutatingAdmissionPolicy", "MutatingAdmissionPolicy")
            .Kind(AdmissionGroup + "/MutatingAdmissionPolicyBinding", "MutatingAdmissionPolicyBinding");

        // pkg/apis/admissionregistration/v1/defaults.go: SetDefaults_ValidatingWebhook, SetDefaults_MutatingWebhook,
        // SetDefaults_Rule, SetDefaults_ServiceReference (v1 requires sideEffects and admissionReviewVersions)
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

        // ServiceReference: admissionregistration v1 and v1beta1, apiextensions v1 and apiregistration v1 each
        // have SetDefaults_ServiceReference with port 443; one type serves them all
        b.Type("ServiceReference").Default("port", 443);

        // pkg/apis/admissionregistration/v1beta1/defaults.go: the same functions with that version's values
        // (sideEffects and admissionReviewVersions defaulted); v1beta1.Rule is v1.Rule, defaulted by v1's SetDefaults_Rule
        b.Type("MutatingWebhookConfigurationV1beta1").Object("metadata", "ObjectMeta").List("webhooks", "MutatingWebhookV1beta1");
        b.Type("ValidatingWebhookConfigurationV1beta1").Object("metadata", "ObjectMeta").List("webhooks", "ValidatingWebhookV1beta1");
        b.Type("ValidatingWebhookV1beta1")
            .Default("failurePolicy", "Ignore")
            .Default("matchPolicy", "Exact")
            .DefaultJson("namespaceSelector", "{}")
            .DefaultJson("objectSelector", "{}")
            .Default("sideEffects", "Unknown")
            .Default("timeoutSeconds", 30)
            .DefaultJson("admissionReviewVersions", """["v1beta1"]""")
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
            .DefaultJson("admissionReviewVersions", """["v1beta1"]""")
            .List("rules", "RuleWithOperations")
            .Object("clientConfig", "WebhookClientConfig");

        // pkg/apis/admissionregistration/v1/defaults.go (and v1beta1): SetDefaults_ValidatingAdmissionPolicySpec,
        // SetDefaults_MatchResources; resource rules are RuleWithOperations (SetDefaults_Rule)
        b.Type("ValidatingAdmissionPolicy").Object("metadata", "ObjectMeta").Object("spec", "ValidatingAdmissionPolicySpec");
        b.Type("ValidatingAdmissionPolicySpec").Default("failurePolicy", "Fail").Object("matchConstraints", "MatchResources");
        b.Type("ValidatingAdmissionPolicyBinding").Object("metadata", "ObjectMeta").Object("spec", "ValidatingAdmissionPolicyBindingSpec");
        b.Type("ValidatingAdmissionPolicyBindingSpec").Object("matchResources", "MatchResources");
        b.Type("MatchResources")
            .Default("matchPolicy", "Equivalent")
            .DefaultJson("namespaceSelector", "{}")
            .DefaultJson("objectSelector", "{}")
            .List("resourceRules", "RuleWithOperations")
            .List("excludeResourceRules", "RuleWithOperations");

        // pkg/apis/admissionregistration/v1beta1/defaults.go: SetDefaults_MutatingAdmissionPolicySpec,
        // SetDefaults_MatchResources (MutatingAdmissionPolicy is served as v1beta1 and v1alpha1 in 1.33-1.35)
        b.Type("MutatingAdmissionPolicy").Object("metadata", "ObjectMeta").Object("spec", "MutatingAdmissionPolicySpec");
        b.Type("MutatingAdmissionPolicySpec").Default("failurePolicy", "Fail").Object("matchConstraints", "MatchResources");
        b.Type("MutatingAdmissionPolicyBinding").Object("metadata", "ObjectMeta").Object("spec", "MutatingAdmissionPolicyBindingSpec");
        b.Type("MutatingAdmissionPolicyBindingSpec").Object("matchResources", "MatchResources");
    }
}
