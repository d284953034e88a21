namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void FlowControl(SchemaBuilder b)
    {
        b.Kind("flowcontrol.apiserver.k8s.io/FlowSchema", "FlowSchema")
            .Kind("flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration", "PriorityLevelConfiguration");

        // pkg/apis/flowcontrol/v1/defaults.go: SetDefaults_FlowSchemaSpec;
        // staging/src/k8s.io/api/flowcontrol/v1/types.go: ResourcePolicyRule (clusterScope: bool, omitempty)
        b.Type("FlowSchema").Object("metadata", "ObjectMeta").Object("spec", "FlowSchemaSpec");
        b.Type("FlowSchemaSpec").Default("matchingPrecedence", 1000).List("rules", "PolicyRulesWithSubjects");
        b.Type("PolicyRulesWithSubjects").List("resourceRules", "ResourcePolicyRule");
        b.Type("ResourcePolicyRule").Zero("clusterScope");

        // pkg/apis/flowcontrol/v1/defaults.go: SetDefaults_LimitedPriorityLevelConfiguration,
        // SetDefaults_ExemptPriorityLevelConfiguration, SetDefaults_QueuingConfiguration
        b.Type("PriorityLevelConfiguration").Object("metadata", "ObjectMeta").Object("spec", "PriorityLevelConfigurationSpec");
        b.Type("PriorityLevelConfigurationSpec")
            .Object("limited", "LimitedPriorityLevelConfiguration")
            .Object("exempt", "ExemptPriorityLevelConfiguration");
        b.Type("LimitedPriorityLevelConfiguration")
            .Default("nominalConcurrencyShares", 30)
            .Default("lendablePercent", 0)
            .Object("limitResponse", "LimitResponse");
        b.Type("LimitResponse").Object("queuing", "QueuingConfiguration");
        b.Type("QueuingConfiguration")
            .Default("queues", 64)
            .Default("handSize", 8)
            .Default("queueLengthLimit", 50);
        b.Type("ExemptPriorityLevelConfiguration")
            .Default("nominalConcurrencyShares", 0)
            .Default("lendablePercent", 0);
    }
}
