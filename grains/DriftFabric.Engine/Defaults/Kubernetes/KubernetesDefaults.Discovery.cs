namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Discovery(SchemaBuilder b)
    {
        b.Kind("discovery.k8s.io/EndpointSlice", "EndpointSlice");

        // pkg/apis/discovery/v1/defaults.go: SetDefaults_EndpointPort (name "", protocol TCP)
        b.Type("EndpointSlice").Object("metadata", "ObjectMeta").List("ports", "EndpointPort@discovery");
        b.Type("EndpointPort@discovery").Default("name", "").Default("protocol", "TCP");
    }
}
