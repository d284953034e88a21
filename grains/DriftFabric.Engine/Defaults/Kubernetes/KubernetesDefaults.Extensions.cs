namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Extensions(SchemaBuilder b)
    {
        // pkg/apis/extensions/v1beta1/defaults.go: SetDefaults_HTTPIngressPath (pathType ImplementationSpecific,
        // as networking.k8s.io/v1beta1; staging/src/k8s.io/api/extensions/v1beta1/types.go: HTTPIngressPath
        // "Defaults to ImplementationSpecific"). Only Ingress of this group is kept; it shares v1beta1's types.
        b.Kind("extensions/Ingress", "IngressV1beta1", version: "v1beta1");
    }
}
