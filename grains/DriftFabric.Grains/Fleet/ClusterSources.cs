using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// One reading of a cluster's desired and live sources, already split by service: each service
/// gets only its own documents. A source with errors is reported but not used, so a half-written
/// snapshot never turns every resource into a false <c>Missing</c>.
/// </summary>
public sealed class ClusterLoad
{
    public Dictionary<string, List<ResourceDocument>> Desired { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<ResourceDocument>> Live { get; } = new(StringComparer.Ordinal);

    public List<string> Errors { get; } = [];

    public bool DesiredUsable { get; set; } = true;

    public bool LiveUsable { get; set; } = true;

    public IEnumerable<string> Services => Desired.Keys.Union(Live.Keys, StringComparer.Ordinal);
}

public static class ClusterSources
{
    public static ClusterLoad Load(ClusterConfig config)
    {
        var load = new ClusterLoad();
        var desired = ManifestLoader.LoadPath(config.DesiredPath);
        var live = ManifestLoader.LoadPath(config.LivePath);
        load.Errors.AddRange(desired.Errors.Select(e => "desired " + e));
        load.Errors.AddRange(live.Errors.Select(e => "live " + e));
        load.DesiredUsable = desired.Errors.Count == 0;
        load.LiveUsable = live.Errors.Count == 0;

        var scopes = new KindScopes();
        scopes.LearnFrom(desired.Manifests, live: false);
        scopes.LearnFrom(live.Manifests, live: true);

        var owner = new Dictionary<ResourceKey, string>();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in desired.Manifests)
        {
            var key = manifest.KeyIn(scopes, config.DefaultNamespace);
            var service = ServiceOf(config, key, manifest);
            if (!owner.TryAdd(key, service.Key))
            {
                load.Errors.Add($"desired {manifest.Location}: {key} is declared twice");
                continue;
            }

            declared.Add(service.Key);
            Add(load.Desired, service.Key, key, manifest);
        }

        var scope = new UnmanagedScope(owner.Keys);
        var seen = new HashSet<ResourceKey>();
        foreach (var manifest in live.Manifests)
        {
            var key = manifest.KeyIn(scopes, config.DefaultNamespace);
            if (!seen.Add(key))
            {
                continue;
            }

            if (owner.TryGetValue(key, out var serviceKey))
            {
                Add(load.Live, serviceKey, key, manifest);
            }
            else if (scope.Contains(key, manifest))
            {
                // Unmanaged: to the service it would belong to, else the namespace's catch-all.
                var service = ServiceOf(config, key, manifest);
                var target = declared.Contains(service.Key) ? service : service with { Name = ServiceId.Unmanaged };
                Add(load.Live, target.Key, key, manifest);
            }
        }

        return load;
    }

    /// <summary>The service an object belongs to: the first of the configured labels it has, else its own name.</summary>
    public static ServiceId ServiceOf(ClusterConfig config, ResourceKey key, Manifest manifest)
    {
        var labels = manifest.Metadata?.GetMap("labels");
        var name = manifest.Name;
        foreach (var label in config.ServiceLabels)
        {
            if (labels?.GetString(label) is { Length: > 0 } value)
            {
                name = value;
                break;
            }
        }

        return new ServiceId(config.Tenant, config.Cluster, key.Namespace, name);
    }

    /// <summary>A stable hash of a service's documents (and policy), to send nothing when nothing changed.</summary>
    public static string Hash(IReadOnlyList<ResourceDocument> documents, string salt = "")
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(salt));
        foreach (var doc in documents)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(doc.Key));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes(doc.Json));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes($"{doc.Source}:{doc.Line}"));
            sha.AppendData([0]);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..32];
    }

    /// <summary>Size and modification time of every file of both sources: cheap to take, changes with any edit.</summary>
    public static string Fingerprint(ClusterConfig config)
    {
        var sb = new StringBuilder();
        foreach (var path in new[] { config.DesiredPath, config.LivePath })
        {
            var files = Directory.Exists(path) ? ManifestLoader.EnumerateFiles(path) : [path];
            foreach (var file in files)
            {
                var info = new FileInfo(file);
                sb.Append(file).Append('|').Append(info.Exists ? info.Length : -1).Append('|').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }

    private static void Add(Dictionary<string, List<ResourceDocument>> into, string service, ResourceKey key, Manifest manifest)
    {
        if (!into.TryGetValue(service, out var docs))
        {
            docs = [];
            into[service] = docs;
        }

        // Secret values never leave this method: the grains keep, send and store only digests.
        var root = manifest.Kind == "Secret" && manifest.Group == ResourceKey.CoreGroup ? SecretValues.Seal(manifest.Root) : manifest.Root;
        docs.Add(new ResourceDocument(key.ToString(), Compact(root), manifest.Location.Source, manifest.Location.Line));
    }

    private static string Compact(MapNode root) => root.ToJson();
}
