namespace DriftFabric.Engine.Defaults;

/// <summary>
/// The API server's defaults for Kubernetes' built-in kinds, written from its sources: the
/// <c>SetDefaults_*</c> functions of <c>pkg/apis/&lt;group&gt;/&lt;version&gt;/defaults.go</c>
/// in kubernetes/kubernetes, the declarative <c>+default=</c> markers and the non-pointer
/// <c>omitempty</c> fields of <c>staging/src/k8s.io/api/&lt;group&gt;/&lt;version&gt;/types.go</c>
/// (whose zero values the server leaves out), and the fields the API server sets on its own
/// (registry strategies, admission plugins, allocators). Each group of entries names the upstream
/// file and function it was read from. One file per API group.
/// </summary>
internal static partial class KubernetesDefaults
{
    public static IReadOnlyDictionary<string, SchemaType> Build()
    {
        var b = new SchemaBuilder();
        Core(b);
        Apps(b);
        Batch(b);
        Autoscaling(b);
        Networking(b);
        Extensions(b);
        Rbac(b);
        Storage(b);
        AdmissionRegistration(b);
        Scheduling(b);
        Discovery(b);
        FlowControl(b);
        ApiExtensions(b);
        ApiRegistration(b);
        Resource(b);
        Events(b);
        return b.Build();
    }
}
