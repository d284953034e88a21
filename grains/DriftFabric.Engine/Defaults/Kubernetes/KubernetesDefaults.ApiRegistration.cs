namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void ApiRegistration(SchemaBuilder b)
    {
        b.Kind("apiregistration.k8s.io/APIService", "APIService");

        // staging/src/k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/defaults.go: SetDefaults_ServiceReference;
        // .../v1/types.go: APIServiceSpec (insecureSkipTLSVerify: bool, omitempty)
        b.Type("APIService").Object("metadata", "ObjectMeta").Object("spec", "APIServiceSpec");
        b.Type("APIServiceSpec").Object("service", "ServiceReference").Zero("insecureSkipTLSVerify");
    }
}
