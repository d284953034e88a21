using k8s;

namespace DriftFabric.Grains.Kubernetes;

/// <summary>
/// Finds, through API discovery, the resource behind each kind the desired state declares (CRDs
/// included), and makes one target per namespace in scope (one per cluster for cluster-scoped kinds).
/// </summary>
internal static class KubeDiscovery
{
    public static async Task<(List<KubeTarget> Targets, List<string> Errors)> ResolveAsync(
        IKubernetes client, IReadOnlyCollection<(string Group, string Kind)> kinds, IReadOnlyCollection<string> namespaces, CancellationToken ct)
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
                if (apiGroup.Length == 0 && !KubeReader.IsSupportedCore(resource.Name))
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
}
