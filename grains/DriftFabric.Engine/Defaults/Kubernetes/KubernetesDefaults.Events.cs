namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Events(SchemaBuilder b)
    {
        b.Kind("events.k8s.io/Event", "Event@events.k8s.io");

        // pkg/apis/events/v1 has no defaults.go; staging/src/k8s.io/api/events/v1/types.go:
        // Event (deprecatedCount: int32, omitempty; its series' count is not omitempty)
        b.Type("Event@events.k8s.io").Object("metadata", "ObjectMeta").Zero("deprecatedCount", 0);
    }
}
