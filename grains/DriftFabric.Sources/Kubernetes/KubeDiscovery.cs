using System.Text.Json;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Defaults;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using k8s;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>
/// Finds, through API discovery, the resource behind each kind the desired state declares (CRDs
/// included), and makes one target per namespace in scope (one per cluster for cluster-scoped kinds).
/// </summary>
internal static class KubeDiscovery
{
    /// <param name="everyCoreKind">
    /// True for a one-time listing (every core kind lists the same raw way); false for the watch,
    /// which follows only the core kinds it has typed watches for.
    /// </param>
    public static async Task<(List<KubeTarget> Targets, List<string> Errors)> ResolveAsync(
        IKubernetes client, IReadOnlyCollection<(string Group, string Kind)> kinds, IReadOnlyCollection<string> namespaces, CancellationToken ct, bool everyCoreKind = false)
    {
        var targets = new List<KubeTarget>();
        var errors = new List<string>();
        k8s.Models.V1APIGroupList? groups = null;
        foreach (var byGroup in kinds.GroupBy(k => k.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            string version;
            k8s.Models.V1APIResourceList resources;
            if (byGroup.Key == "core")
            {
                version = "v1";
                resources = await client.CoreV1.GetAPIResourcesAsync(ct);
            }
            else
            {
                groups ??= await client.Apis.GetAPIVersionsAsync(ct);
                var group = groups.Groups.FirstOrDefault(g => g.Name == byGroup.Key);
                if (group is null)
                {
                    errors.AddRange(byGroup.Select(k => $"{k.Group}/{k.Kind}: the API server does not serve group {k.Group}"));
                    continue;
                }

                version = group.PreferredVersion?.Version ?? group.Versions[0].Version;
                resources = await client.CustomObjects.GetAPIResourcesAsync(byGroup.Key, version, ct);
            }

            foreach (var (group, kind) in byGroup.OrderBy(k => k.Kind, StringComparer.Ordinal))
            {
                var resource = resources.Resources.FirstOrDefault(r => r.Kind == kind && !r.Name.Contains('/', StringComparison.Ordinal));
                if (resource is null)
                {
                    errors.Add($"{group}/{kind}: the API server does not serve this kind");
                    continue;
                }

                var apiGroup = group == "core" ? string.Empty : group;
                if (apiGroup.Length == 0 && !everyCoreKind && !KubeReader.IsSupportedCore(resource.Name))
                {
                    errors.Add($"{group}/{kind}: core resource '{resource.Name}' is not watched by DriftFabric");
                    continue;
                }

                if (resource.Namespaced)
                {
                    targets.AddRange(namespaces.Order(StringComparer.Ordinal).Select(ns => new KubeTarget(apiGroup, version, kind, resource.Name, true, ns)));
                }
                else
                {
                    targets.Add(new KubeTarget(apiGroup, version, kind, resource.Name, false, null));
                }
            }
        }

        return (targets, errors);
    }

    /// <summary>
    /// The CustomResourceDefinition the API server serves for each custom kind among
    /// <paramref name="targets"/> (read by its name, <c>plural.group</c>), compacted, by
    /// group/Kind: the schema the server defaults those objects with. A kind with none (not a
    /// custom resource after all) is passed over; a definition that cannot be read is an error
    /// naming the kind, and that kind is judged without its defaults.
    /// </summary>
    public static async Task<(Dictionary<string, ResourceDocument> Definitions, List<string> Errors)> DefinitionsAsync(
        IKubernetes client, IReadOnlyList<KubeTarget> targets, string cluster, CancellationToken ct)
    {
        var definitions = new Dictionary<string, ResourceDocument>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var target in targets.Where(t => !KubeGroups.IsBuiltIn(t.Group)).DistinctBy(t => (t.Group, t.Kind)))
        {
            var name = $"{target.Plural}.{target.Group}";
            try
            {
                var crd = (JsonElement)await client.CustomObjects.GetClusterCustomObjectAsync("apiextensions.k8s.io", "v1", "customresourcedefinitions", name, ct);
                if (JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(crd.GetRawText())) is [MapNode root])
                {
                    var manifest = new Manifest(root, new SourceLocation($"{cluster}: customresourcedefinitions/{name}", 0));
                    if (ResourceSchemas.DefinedKind(manifest) is { } kind)
                    {
                        definitions[kind] = new ResourceDocument($"apiextensions.k8s.io/CustomResourceDefinition/_/{name}", ResourceSchemas.CompactDefinition(manifest).ToUtf8Json(), manifest.Location.Source, 0);
                    }
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Served by an aggregated API, not a CRD: it has no schema defaults to learn.
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or JsonException or ParseException)
            {
                errors.Add($"{target.Group}/{target.Kind}: its CustomResourceDefinition {name} could not be read ({KubeAnswers.Describe(e, KubeAnswers.ServerOf(client))}); its defaults are unknown");
            }
        }

        return (definitions, errors);
    }
}
