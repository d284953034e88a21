using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Sources.Kubernetes;

namespace DriftFabric.Cli.Rbac;

/// <summary>
/// What the fabric's watch of a cluster asks its API server for, worked out from the desired state
/// as the silo works it out (the same keys: kinds' scopes from <see cref="KindScopes"/>, objects
/// without a namespace in the cluster's default one): every namespaced kind is listed and watched
/// in every namespace the desired state uses (the watch's targets are kinds × namespaces), every
/// cluster-scoped kind cluster-wide, and the CustomResourceDefinition of each custom kind is read
/// by name (the schema the server defaults those objects with). Discovery needs nothing here: it
/// is open to every authenticated user (Kubernetes' <c>system:discovery</c>).
/// </summary>
internal sealed class RbacScope
{
    public SortedSet<string> Namespaces { get; } = new(StringComparer.Ordinal);

    /// <summary>Namespaced resources, by API group (<c>""</c> for core) then plural.</summary>
    public SortedSet<(string Group, string Plural)> NamespacedResources { get; } = [];

    public SortedSet<(string Group, string Plural)> ClusterResources { get; } = [];

    /// <summary>The CustomResourceDefinitions the watch reads by name (<c>plural.group</c>).</summary>
    public SortedSet<string> Definitions { get; } = new(StringComparer.Ordinal);

    /// <summary>Kinds left out (core kinds the watch does not follow) and plurals guessed: said in the output's comments.</summary>
    public SortedSet<string> Notes { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds one cluster's desired state, read with <paramref name="defaultNamespace"/> for objects that name none.</summary>
    public void Add(IReadOnlyList<Manifest> desired, string defaultNamespace)
    {
        var scopes = new KindScopes();
        scopes.LearnFrom(desired, live: false);
        var plurals = DeclaredPlurals(desired);
        foreach (var manifest in desired)
        {
            var key = manifest.KeyIn(scopes, defaultNamespace);
            var resource = KubeResourceNames.Resolve(key.Group, key.Kind, !key.IsClusterScoped, plurals);
            if (resource.Group.Length == 0 && !KubeGroups.IsWatchedCore(resource.Plural))
            {
                Notes.Add($"core/{key.Kind} is not watched by DriftFabric: not granted");
                continue;
            }

            if (resource.Guessed)
            {
                Notes.Add($"{key.Group}/{key.Kind}: resource '{resource.Plural}' guessed from the kind (declare its CustomResourceDefinition if its plural is irregular)");
            }

            if (resource.Namespaced)
            {
                Namespaces.Add(key.Namespace);
                NamespacedResources.Add((resource.Group, resource.Plural));
            }
            else
            {
                ClusterResources.Add((resource.Group, resource.Plural));
            }

            if (!KubeGroups.IsBuiltIn(resource.Group))
            {
                Definitions.Add($"{resource.Plural}.{resource.Group}");
            }
        }
    }

    /// <summary>The plural each CustomResourceDefinition of the desired state gives its kind, by <c>group/Kind</c>.</summary>
    private static Dictionary<string, string> DeclaredPlurals(IReadOnlyList<Manifest> desired)
    {
        var plurals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var manifest in desired.Where(m => m.Kind == "CustomResourceDefinition"))
        {
            if (manifest.Root.GetMap("spec") is { } spec && spec.GetString("group") is { } group
                && spec.GetMap("names") is { } names && names.GetString("kind") is { } kind && names.GetString("plural") is { } plural)
            {
                plurals[group + "/" + kind] = plural;
            }
        }

        return plurals;
    }
}
