namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Storage(SchemaBuilder b)
    {
        b.Kind("storage.k8s.io/StorageClass", "StorageClass")
            .Kind("storage.k8s.io/CSIDriver", "CSIDriver");

        // pkg/apis/storage/v1/defaults.go: SetDefaults_StorageClass
        b.Type("StorageClass")
            .Object("metadata", "ObjectMeta")
            .Default("reclaimPolicy", "Delete")
            .Default("volumeBindingMode", "Immediate");

        // pkg/apis/storage/v1/defaults.go: SetDefaults_CSIDriver (fsGroupPolicy, volumeLifecycleModes and
        // seLinuxMount under their feature gates, all on by default in 1.33-1.35)
        b.Type("CSIDriver").Object("metadata", "ObjectMeta").Object("spec", "CSIDriverSpec");
        b.Type("CSIDriverSpec")
            .Default("attachRequired", true)
            .Default("podInfoOnMount", false)
            .Default("storageCapacity", false)
            .Default("fsGroupPolicy", "ReadWriteOnceWithFSType")
            .DefaultJson("volumeLifecycleModes", """["Persistent"]""")
            .Default("requiresRepublish", false)
            .Default("seLinuxMount", false);
    }
}
