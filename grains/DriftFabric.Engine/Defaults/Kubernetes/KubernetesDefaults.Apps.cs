namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Apps(SchemaBuilder b)
    {
        b.Kind("apps/Deployment", "Deployment")
            .Kind("apps/StatefulSet", "StatefulSet")
            .Kind("apps/DaemonSet", "DaemonSet")
            .Kind("apps/ReplicaSet", "ReplicaSet");

        // pkg/apis/apps/v1/defaults.go: SetDefaults_Deployment;
        // staging/src/k8s.io/api/apps/v1/types.go: DeploymentSpec (minReadySeconds: int32, paused: bool, omitempty)
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

        // pkg/apis/apps/v1/defaults.go: SetDefaults_StatefulSet; staging/src/k8s.io/api/apps/v1/types.go:
        // StatefulSetSpec (minReadySeconds: int32, omitempty); its volumeClaimTemplates are PersistentVolumeClaims:
        // pkg/apis/core/v1/defaults.go SetDefaults_PersistentVolumeClaim (status.phase) and
        // SetDefaults_PersistentVolumeClaimSpec (volumeMode) apply, and the server writes apiVersion and kind
        b.Type("StatefulSet").Object("metadata", "ObjectMeta").Object("spec", "StatefulSetSpec");
        b.Type("StatefulSetSpec")
            .Default("replicas", 1)
            .Default("revisionHistoryLimit", 10)
            .Default("podManagementPolicy", "OrderedReady")
            .Zero("minReadySeconds", 0)
            .Object("updateStrategy", "StatefulSetUpdateStrategy")
            .Object("persistentVolumeClaimRetentionPolicy", "StatefulSetPersistentVolumeClaimRetentionPolicy")
            .Object("template", "PodTemplateSpec")
            .List("volumeClaimTemplates", "PersistentVolumeClaim@StatefulSet");
        b.Type("StatefulSetUpdateStrategy").Default("type", "RollingUpdate").Object("rollingUpdate", "RollingUpdateStatefulSetStrategy");
        b.Type("RollingUpdateStatefulSetStrategy").Default("partition", 0);
        b.Type("StatefulSetPersistentVolumeClaimRetentionPolicy").Default("whenDeleted", "Retain").Default("whenScaled", "Retain");
        b.Type("PersistentVolumeClaim@StatefulSet")
            .DefaultJson("apiVersion", "\"v1\"", DefaultOrigin.ServerSet)
            .DefaultJson("kind", "\"PersistentVolumeClaim\"", DefaultOrigin.ServerSet)
            .Object("metadata", "ObjectMeta")
            .Object("spec", "PersistentVolumeClaimSpec")
            .Object("status", "PersistentVolumeClaimStatus");

        // pkg/apis/apps/v1/defaults.go: SetDefaults_DaemonSet; staging/src/k8s.io/api/apps/v1/types.go:
        // DaemonSetSpec (minReadySeconds: int32, omitempty); pkg/registry/apps/daemonset/strategy.go:
        // the annotation deprecated.daemonset.template.generation
        b.Type("DaemonSet").Object("metadata", "DaemonSetMeta").Object("spec", "DaemonSetSpec");
        b.Type("DaemonSetMeta").Object("annotations", "DaemonSetAnnotations");
        b.Type("DaemonSetAnnotations").Assigned("deprecated.daemonset.template.generation");
        b.Type("DaemonSetSpec")
            .Default("revisionHistoryLimit", 10)
            .Zero("minReadySeconds", 0)
            .Object("updateStrategy", "DaemonSetUpdateStrategy")
            .Object("template", "PodTemplateSpec");
        b.Type("DaemonSetUpdateStrategy").Default("type", "RollingUpdate").Object("rollingUpdate", "RollingUpdateDaemonSet");
        b.Type("RollingUpdateDaemonSet").Default("maxUnavailable", 1).Default("maxSurge", 0);

        // pkg/apis/apps/v1/defaults.go: SetDefaults_ReplicaSet;
        // staging/src/k8s.io/api/apps/v1/types.go: ReplicaSetSpec (minReadySeconds: int32, omitempty)
        b.Type("ReplicaSet").Object("metadata", "ObjectMeta").Object("spec", "ReplicaSetSpec");
        b.Type("ReplicaSetSpec")
            .Default("replicas", 1)
            .Zero("minReadySeconds", 0)
            .Object("template", "PodTemplateSpec");
    }
}
