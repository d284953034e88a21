namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Autoscaling(SchemaBuilder b)
    {
        b.Kind("autoscaling/HorizontalPodAutoscaler", "HorizontalPodAutoscaler")
            .Kind("autoscaling/HorizontalPodAutoscaler", "HorizontalPodAutoscalerV1", version: "v1");

        // pkg/apis/autoscaling/v2/defaults.go: SetDefaults_HorizontalPodAutoscaler (minReplicas, metrics: CPU at
        // DefaultCPUUtilization 80 % when none), SetDefaults_HorizontalPodAutoscalerBehavior (a behavior that is
        // declared gets both rules filled from defaultHPAScaleUpRules / defaultHPAScaleDownRules; scaleDown keeps
        // no stabilizationWindowSeconds)
        b.Type("HorizontalPodAutoscaler").Object("metadata", "ObjectMeta").Object("spec", "HorizontalPodAutoscalerSpec");
        b.Type("HorizontalPodAutoscalerSpec")
            .Default("minReplicas", 1)
            .DefaultJson("metrics", """[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""")
            .Object("behavior", "HorizontalPodAutoscalerBehavior");
        b.Type("HorizontalPodAutoscalerBehavior")
            .Object("scaleUp", "HPAScalingRules@ScaleUp")
            .Object("scaleDown", "HPAScalingRules@ScaleDown");
        b.Type("HPAScalingRules@ScaleUp")
            .Default("stabilizationWindowSeconds", 0)
            .Default("selectPolicy", "Max")
            .DefaultJson("policies", """[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]""");
        b.Type("HPAScalingRules@ScaleDown")
            .Default("selectPolicy", "Max")
            .DefaultJson("policies", """[{"type":"Percent","value":100,"periodSeconds":15}]""");

        // pkg/apis/autoscaling/v1/defaults.go: SetDefaults_HorizontalPodAutoscaler (minReplicas);
        // pkg/apis/autoscaling/v1/conversion.go: with no metrics, the CPU target DefaultCPUUtilization (80)
        b.Type("HorizontalPodAutoscalerV1").Object("metadata", "ObjectMeta").Object("spec", "HorizontalPodAutoscalerSpecV1");
        b.Type("HorizontalPodAutoscalerSpecV1")
            .Default("minReplicas", 1)
            .Default("targetCPUUtilizationPercentage", 80);
    }
}
