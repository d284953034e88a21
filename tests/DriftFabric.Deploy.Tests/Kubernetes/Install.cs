using System.Diagnostics;
using k8s;
using k8s.Models;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// One rendering of <c>deploy/kubernetes</c> (an overlay, with components), as the real
/// <c>kubectl kustomize</c> prints it, each object read into its typed model with unknown fields
/// refused.
/// </summary>
public sealed class Install
{
    /// <summary>The models an install's objects are read into, by apiVersion and kind: anything else fails the read.</summary>
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> Models = new()
    {
        [("v1", "Namespace")] = typeof(V1Namespace),
        [("v1", "ServiceAccount")] = typeof(V1ServiceAccount),
        [("v1", "ConfigMap")] = typeof(V1ConfigMap),
        [("v1", "Secret")] = typeof(V1Secret),
        [("v1", "Service")] = typeof(V1Service),
        [("apps/v1", "Deployment")] = typeof(V1Deployment),
        [("apps/v1", "StatefulSet")] = typeof(V1StatefulSet),
        [("policy/v1", "PodDisruptionBudget")] = typeof(V1PodDisruptionBudget),
        [("networking.k8s.io/v1", "NetworkPolicy")] = typeof(V1NetworkPolicy),
        [("rbac.authorization.k8s.io/v1", "Role")] = typeof(V1Role),
        [("rbac.authorization.k8s.io/v1", "RoleBinding")] = typeof(V1RoleBinding),
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = typeof(V1ClusterRole),
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = typeof(V1ClusterRoleBinding),
        [("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration")] = typeof(V1MutatingWebhookConfiguration),
        [(ServiceMonitor.KubeApiVersion, ServiceMonitor.KubeKind)] = typeof(ServiceMonitor),
        [(CertManagerIssuer.KubeApiVersion, CertManagerIssuer.KubeKind)] = typeof(CertManagerIssuer),
        [(CertManagerCertificate.KubeApiVersion, CertManagerCertificate.KubeKind)] = typeof(CertManagerCertificate),
    };

    private Install(string name, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        Name = name;
        Objects = objects;
    }

    public static string KubernetesDirectory => RepositoryRoot.Combine("deploy", "kubernetes");

    public string Name { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T One<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(o => o.Metadata.Name == name) ?? throw new InvalidOperationException($"{Name}: no {typeof(T).Name} {name}");

    /// <summary>The silo's Deployment and its one container.</summary>
    public V1Deployment Silo => One<V1Deployment>("driftfabric");

    public V1Container SiloContainer => Silo.Spec.Template.Spec.Containers.Single(c => c.Name == "silo");

    /// <summary>Every pod template of the install (Deployments, StatefulSets), by workload name.</summary>
    public IEnumerable<(string Workload, V1PodTemplateSpec Template)> PodTemplates =>
        All<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template)));

    /// <summary>
    /// Renders <c>overlays/OVERLAY</c> with the given <c>components/</c>: the overlay alone
    /// directly, with components through a kustomization of the test's own (in a temporary folder)
    /// that names the real folders.
    /// </summary>
    public static async Task<Install> RenderAsync(string overlay, params string[] components)
    {
        var name = string.Join('+', [overlay, .. components]);
        var overlayDirectory = Path.Combine(KubernetesDirectory, "overlays", overlay);
        if (components.Length == 0)
        {
            return Read(name, await KustomizeLayouts.RenderAsync(overlayDirectory));
        }

        return await RenderOwnAsync(name, $$"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
            - {kubernetes}/overlays/{{overlay}}
            components:
            {{string.Join('\n', components.Select(c => "- {kubernetes}/components/" + c))}}

            """);
    }

    /// <summary>
    /// Renders a kustomization of a user's own, written in a temporary folder, where
    /// <c>{kubernetes}</c> stands for <c>deploy/kubernetes</c>: kustomize takes neither absolute
    /// paths nor files outside a kustomization's folder, but it does take folders named relative to it.
    /// </summary>
    public static async Task<Install> RenderOwnAsync(string name, string kustomization)
    {
        using var folder = new TempDirectory("driftfabric-install-");
        folder.Write("kustomization.yaml", kustomization.Replace("{kubernetes}", Path.GetRelativePath(folder.Root, KubernetesDirectory).Replace('\\', '/'), StringComparison.Ordinal));
        return Read(name, await KustomizeLayouts.RenderAsync(folder.Root));
    }

    /// <summary>Reads a multi-document YAML stream as <c>kubectl kustomize</c> prints it, one typed, strictly read object per document.</summary>
    public static Install Read(string name, string yaml)
    {
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var document in Documents(yaml))
        {
            var header = KubernetesYaml.Deserialize<KubernetesObject>(document);
            if (!Models.TryGetValue((header.ApiVersion, header.Kind), out var model))
            {
                throw new InvalidOperationException($"{name}: no model for {header.ApiVersion} {header.Kind}");
            }

            objects.Add(ReadStrictly(model, document));
        }

        return new Install(name, objects);
    }

    /// <summary>One document into <paramref name="model"/>, a field the model does not have refused.</summary>
    public static IKubernetesObject<V1ObjectMeta> ReadStrictly(Type model, string document)
    {
        var deserialize = typeof(KubernetesYaml).GetMethod(nameof(KubernetesYaml.Deserialize), [typeof(string), typeof(bool)])!.MakeGenericMethod(model);
        try
        {
            return (IKubernetesObject<V1ObjectMeta>)deserialize.Invoke(null, [document, true])!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>The documents of a YAML stream: kubectl kustomize separates them with a line <c>---</c>, never indented.</summary>
    public static IEnumerable<string> Documents(string yaml) =>
        yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n---\n").Select(d => d.Trim('\n')).Where(d => d.Length > 0 && d != "---");
}
