using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Policy;

/// <summary>
/// CA bundles that machines keep current: cert-manager's cainjector, the fabric's own sidecar
/// injector and the API server's controllers write them into webhook configurations, conversion
/// webhooks and aggregated APIs, and rotate them. Never drift, whatever the code holds and whoever
/// wrote them; every other field of those objects is judged as usual.
/// </summary>
internal static class CertificateBundles
{
    private const string AdmissionGroup = "admissionregistration.k8s.io";

    private static readonly PathPattern[] Webhooks = [PathPattern.Parse("/webhooks[name=*]/clientConfig/caBundle")];
    private static readonly PathPattern[] Conversion = [PathPattern.Parse("/spec/conversion/webhook/clientConfig/caBundle")];
    private static readonly PathPattern[] AggregatedApi = [PathPattern.Parse("/spec/caBundle")];

    /// <summary>The CA bundle paths of <paramref name="key"/>'s kind; none for any other kind.</summary>
    public static IReadOnlyList<PathPattern> Of(ResourceKey key) => (key.Group, key.Kind) switch
    {
        (AdmissionGroup, "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration") => Webhooks,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => Conversion,
        ("apiregistration.k8s.io", "APIService") => AggregatedApi,
        _ => [],
    };

    /// <summary>True for the admission webhook configurations, whose <c>webhooks</c> list is keyed by <c>name</c>.</summary>
    public static bool IsWebhookConfiguration(ResourceKey key) =>
        key.Group == AdmissionGroup && key.Kind is "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration";
}
