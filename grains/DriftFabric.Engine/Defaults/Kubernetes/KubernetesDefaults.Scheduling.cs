namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Scheduling(SchemaBuilder b)
    {
        b.Kind("scheduling.k8s.io/PriorityClass", "PriorityClass");

        // pkg/apis/scheduling/v1/defaults.go: SetDefaults_PriorityClass;
        // staging/src/k8s.io/api/scheduling/v1/types.go: PriorityClass (globalDefault: bool, omitempty)
        b.Type("PriorityClass")
            .Object("metadata", "ObjectMeta")
            .Default("preemptionPolicy", "PreemptLowerPriority")
            .Zero("globalDefault");
    }
}
