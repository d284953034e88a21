using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Networking(SchemaBuilder b)
    {
        b.Kind("networking.k8s.io/NetworkPolicy", "NetworkPolicy");

        // pkg/apis/networking/v1/defaults.go: SetDefaults_NetworkPolicy, SetDefaults_NetworkPolicyPort
        b.Type("NetworkPolicy").Object("metadata", "ObjectMeta").Object("spec", "NetworkPolicySpec");
        b.Type("NetworkPolicySpec")
            .Rule("policyTypes", "[Ingress], and Egress when egress rules are declared", c => IsDefaultPolicyTypes(c.Value, c.Parent))
            .List("ingress", "NetworkPolicyIngressRule")
            .List("egress", "NetworkPolicyEgressRule");
        b.Type("NetworkPolicyIngressRule").List("ports", "NetworkPolicyPort");
        b.Type("NetworkPolicyEgressRule").List("ports", "NetworkPolicyPort");
        b.Type("NetworkPolicyPort").Default("protocol", "TCP");
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
