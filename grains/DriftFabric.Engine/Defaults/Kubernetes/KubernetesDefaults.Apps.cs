namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Apps(SchemaBuilder b)
    {
        b.Kind("apps/Deployment", "Deployment")
            .Kind("apps/StatefulSet", "StatefulSet")
            .Kind("apps/DaemonSet", "DaemonSet");

        // pkg/apis/apps/v1/defaults.go: SetDefaults_Deployment;
        // staging/src/k8s.io/api/apps/v1/types.go: DeploymentSpec (minReadySeconds, paused: non-pointer, omitempty)
        b.Type("Deployment").Object("metadata", "ObjectMeta").Object("spec", "DeploymentSpec");
        b.Type("DeploymentSpec")
            .Default("replicas", 1)
            .Default("progressDeadlineSeconds", 600)
            .Default("revisionHistoryLimit", 10)
            .Zero("minReadySeconds", 0)
            .Zero("paused")
            .Object("strategy", "DeploymentStrategy")
            .Object("template", "PodTemplateSpec");
        b.Type("DeploymentStrategy").Default("type", "RollingUpdate").Object("rollingUpdate", "RollingUpdateDeployment");
        b.Type("RollingUpdateDeployment").Default("maxSurge", "25%").Default("maxUnavailable", "25%");

        // pkg/apis/apps/v1/defaults.go: SetDefaults_StatefulSet
        b.Type("StatefulSet").Object("metadata", "ObjectMeta").Object("spec", "StatefulSetSpec");
        b.Type("StatefulSetSpec")
            .Default("replicas", 1)
            .Default("revisionHistoryLimit", 10)
            .Default("podManagementPolicy", "OrderedReady")
            .Zero("minReadySeconds", 0)
            .Object("updateStrategy", "StatefulSetUpdateStrategy")
            .Object("persistentVolumeClaimRetentionPolicy", "StatefulSetPersistentVolumeClaimRetentionPolicy")
            .Object("template", "PodTemplateSpec");
        b.Type("StatefulSetUpdateStrategy").Default("type", "RollingUpdate").Object("rollingUpdate", "RollingUpdateStatefulSetStrategy");
        b.Type("RollingUpdateStatefulSetStrategy").Default("partition", 0);
        b.Type("StatefulSetPersistentVolumeClaimRetentionPolicy").Default("whenDeleted", "Retain").Default("whenScaled", "Retain");

        // pkg/apis/apps/v1/defaults.go: SetDefaults_DaemonSet
        b.Type("DaemonSet").Object("metadata", "ObjectMeta").Object("spec", "DaemonSetSpec");
        b.Type("DaemonSetSpec")
            .Default("revisionHistoryLimit", 10)
            .Zero("minReadySeconds", 0)
            .Object("updateStrategy", "DaemonSetUpdateStrategy")
            .Object("template", "PodTemplateSpec");
        b.Type("DaemonSetUpdateStrategy").Default("type", "RollingUpdate").Object("rollingUpdate", "RollingUpdateDaemonSet");
        b.Type("RollingUpdateDaemonSet").Default("maxUnavailable", 1).Default("maxSurge", 0);
    }
}
