using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Batch(SchemaBuilder b)
    {
        b.Kind("batch/Job", "Job").Kind("batch/CronJob", "CronJob");

        // pkg/apis/batch/v1/defaults.go: SetDefaults_Job (a Job object only: it takes a *Job, so a CronJob's
        // jobTemplate keeps none of it), SetDefaults_PodFailurePolicyOnPodConditionsPattern;
        // pkg/registry/batch/job/strategy.go: the generated selector and pod labels, the job-tracking annotation
        b.Type("Job").Object("metadata", "JobMeta").Object("spec", "JobSpec");
        b.Type("JobMeta").Object("annotations", "JobAnnotations");
        b.Type("JobAnnotations").Assigned("batch.kubernetes.io/job-tracking");
        b.Type("JobSpec")
            .Assigned("selector")
            .Default("manualSelector", false)
            .Rule("backoffLimit", "6, or 2147483647 when backoffLimitPerIndex is set", c => c.Value is ScalarNode { Exact: { } limit } && limit == (c.Parent?["backoffLimitPerIndex"] is ScalarNode { Kind: NodeKind.Number } ? int.MaxValue : 6))
            .Rule("completions", "1 when parallelism is 1 (both left out)", c => c.Value is ScalarNode { Exact: 1 } && c.Parent?["parallelism"] is null or ScalarNode { Exact: 1 })
            .Default("parallelism", 1)
            .Default("completionMode", "NonIndexed")
            .Default("suspend", false)
            .Rule("podReplacementPolicy", "Failed when podFailurePolicy is set, else TerminatingOrFailed", c => c.Value is ScalarNode { Kind: NodeKind.String } s && s.Text == (c.Parent?["podFailurePolicy"] is MapNode ? "Failed" : "TerminatingOrFailed"))
            .Object("podFailurePolicy", "PodFailurePolicy")
            .Object("template", "JobPodTemplateSpec");
        b.Type("PodFailurePolicy").List("rules", "PodFailurePolicyRule");
        b.Type("PodFailurePolicyRule").List("onPodConditions", "PodFailurePolicyOnPodConditionsPattern");
        b.Type("PodFailurePolicyOnPodConditionsPattern").Default("status", "True");
        b.Type("JobPodTemplateSpec").Object("metadata", "JobPodTemplateMeta").Object("spec", "PodSpec");
        b.Type("JobPodTemplateMeta").Object("labels", "JobPodLabels");
        b.Type("JobPodLabels")
            .Assigned("controller-uid")
            .Assigned("batch.kubernetes.io/controller-uid")
            .Assigned("job-name")
            .Assigned("batch.kubernetes.io/job-name");

        // pkg/apis/batch/v1/defaults.go: SetDefaults_CronJob; the job template's spec keeps only the
        // type-level defaults (SetDefaults_PodFailurePolicyOnPodConditionsPattern, SetDefaults_PodSpec, ...)
        b.Type("CronJob").Object("metadata", "ObjectMeta").Object("spec", "CronJobSpec");
        b.Type("CronJobSpec")
            .Default("concurrencyPolicy", "Allow")
            .Default("suspend", false)
            .Default("successfulJobsHistoryLimit", 3)
            .Default("failedJobsHistoryLimit", 1)
            .Object("jobTemplate", "JobTemplateSpec");
        b.Type("JobTemplateSpec").Object("metadata", "ObjectMeta").Object("spec", "JobSpec@CronJob");
        b.Type("JobSpec@CronJob").Object("podFailurePolicy", "PodFailurePolicy").Object("template", "PodTemplateSpec");
    }
}
