using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Networking(SchemaBuilder b)
    {
        b.Kind("networking.k8s.io/NetworkPolicy", "NetworkPolicy")
            .Kind("networking.k8s.io/Ingress", "Ingress")
            .Kind("networking.k8s.io/Ingress", "IngressV1beta1", version: "v1beta1")
            .Kind("networking.k8s.io/IngressClass", "IngressClass");

        // pkg/apis/networking/v1/defaults.go: SetDefaults_NetworkPolicy, SetDefaults_NetworkPolicyPort
        b.Type("NetworkPolicy").Object("metadata", "ObjectMeta").Object("spec", "NetworkPolicySpec");
        b.Type("NetworkPolicySpec")
            .Rule("policyTypes", "[Ingress], and Egress when egress rules are declared", c => IsDefaultPolicyTypes(c.Value, c.Parent))
            .List("ingress", "NetworkPolicyIngressRule")
            .List("egress", "NetworkPolicyEgressRule");
        b.Type("NetworkPolicyIngressRule").List("ports", "NetworkPolicyPort");
        b.Type("NetworkPolicyEgressRule").List("ports", "NetworkPolicyPort");
        b.Type("NetworkPolicyPort").Default("protocol", "TCP");

        // pkg/apis/networking/v1/defaults.go: SetDefaults_IngressClass (parameters' scope)
        b.Type("IngressClass").Object("metadata", "ObjectMeta").Object("spec", "IngressClassSpec");
        b.Type("IngressClassSpec").Object("parameters", "IngressClassParametersReference");
        b.Type("IngressClassParametersReference").Default("scope", "Cluster");

        // staging/src/k8s.io/api/networking/v1/types.go: ServiceBackendPort (number: int32, omitempty); v1 has no
        // pathType default (it is required)
        b.Type("Ingress").Object("metadata", "ObjectMeta").Object("spec", "IngressSpec");
        b.Type("IngressSpec").Object("defaultBackend", "IngressBackend").List("rules", "IngressRule");
        b.Type("IngressRule").Object("http", "HTTPIngressRuleValue");
        b.Type("HTTPIngressRuleValue").List("paths", "HTTPIngressPath");
        b.Type("HTTPIngressPath").Object("backend", "IngressBackend");
        b.Type("IngressBackend").Object("service", "IngressServiceBackend");
        b.Type("IngressServiceBackend").Object("port", "ServiceBackendPort");
        b.Type("ServiceBackendPort").Zero("number", 0);

        // pkg/apis/networking/v1beta1/defaults.go: SetDefaults_HTTPIngressPath (an Ingress written as v1beta1)
        b.Type("IngressV1beta1").Object("metadata", "ObjectMeta").Object("spec", "IngressSpecV1beta1");
        b.Type("IngressSpecV1beta1").List("rules", "IngressRuleV1beta1");
        b.Type("IngressRuleV1beta1").Object("http", "HTTPIngressRuleValueV1beta1");
        b.Type("HTTPIngressRuleValueV1beta1").List("paths", "HTTPIngressPathV1beta1");
        b.Type("HTTPIngressPathV1beta1").Default("pathType", "ImplementationSpecific");
    }

    private static bool IsDefaultPolicyTypes(Node value, MapNode? spec)
    {
        if (value is not ListNode { Count: 1 or 2 } types || types[0] is not ScalarNode { Text: "Ingress" })
        {
            return false;
        }

        var egress = spec?["egress"] is ListNode { Count: > 0 };
        return types.Count == 1 ? !egress : egress && types[1] is ScalarNode { Text: "Egress" };
    }
}
