using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Batch(SchemaBuilder b)
    {
        b.Kind("batch/Job", "Job").Kind("batch/CronJob", "CronJob");

        // pkg/apis/batch/v1/defaults.go: SetDefaults_Job; the generated selector and pod labels
        // of pkg/registry/batch/job/strategy.go (generateSelector)
        b.Type("Job").Object("metadata", "ObjectMeta").Object("spec", "JobSpec");
        b.Type("JobSpec")
            .Assigned("selector")
            .Zero("manualSelector")
            .Default("backoffLimit", 6)
            .Rule("completions", "1 when parallelism is 1 (both left out)", c => c.Value is ScalarNode { Exact: 1 } && c.Parent?["parallelism"] is null or ScalarNode { Exact: 1 })
            .Default("parallelism", 1)
            .Default("completionMode", "NonIndexed")
            .Default("suspend", false)
            .Default("podReplacementPolicy", "TerminatingOrFailed")
            .Object("template", "JobPodTemplateSpec");
        b.Type("JobPodTemplateSpec").Object("metadata", "JobPodTemplateMeta").Object("spec", "PodSpec");
        b.Type("JobPodTemplateMeta").Object("labels", "JobPodLabels");
        b.Type("JobPodLabels")
            .Assigned("controller-uid")
            .Assigned("batch.kubernetes.io/controller-uid")
            .Assigned("job-name")
            .Assigned("batch.kubernetes.io/job-name");

        // pkg/apis/batch/v1/defaults.go: SetDefaults_CronJob
        b.Type("CronJob").Object("metadata", "ObjectMeta").Object("spec", "CronJobSpec");
        b.Type("CronJobSpec")
            .Default("concurrencyPolicy", "Allow")
            .Default("suspend", false)
            .Default("successfulJobsHistoryLimit", 3)
            .Default("failedJobsHistoryLimit", 1)
            .Object("jobTemplate", "JobTemplateSpec");
        b.Type("JobTemplateSpec").Object("metadata", "ObjectMeta").Object("spec", "JobSpec");
    }
}
