using System.IO.Hashing;
using System.Runtime.InteropServices;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Defaults;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Sources;

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

    /// <summary>
    /// The CustomResourceDefinitions known for the cluster (compacted), by the group/Kind they
    /// declare: from the code, replaced by a live snapshot's, replaced by what the watched API
    /// server serves (the schema it defaulted the objects with).
    /// </summary>
    public Dictionary<string, ResourceDocument> Definitions { get; } = new(StringComparer.Ordinal);

    public bool DesiredUsable { get; set; } = true;

    /// <summary>The revision the desired source was read at (a Git commit SHA); null for a directory.</summary>
    public string? DesiredRevision { get; set; }

    public bool LiveUsable { get; set; } = true;

    /// <summary>The live source could not be reached at all (an API server down), rather than read wrong.</summary>
    public bool LiveUnreachable { get; set; }

    /// <summary>A service could not be sent its new state (it is sent again on the next poll).</summary>
    public bool SendFailed { get; set; }

    /// <summary>
    /// Both sources were read, but something in them could not be used as written (a malformed
    /// ignore annotation, a CRD whose defaults could not be read): judged, with that left out.
    /// </summary>
    public bool PartlyUsable { get; set; }

    /// <summary>The watch is already running: live state is as the services hold it.</summary>
    public bool LiveUnchanged { get; set; }

    /// <summary>
    /// The services the sources name. A source that is not used names none: a desired file that
    /// does not parse (or a snapshot cut off) must not have the cluster call, and so activate and
    /// keep in memory, a service grain for every object it lists.
    /// </summary>
    public IEnumerable<string> Services => (DesiredUsable ? Desired.Keys : Enumerable.Empty<string>()).Union(LiveUsable ? Live.Keys : Enumerable.Empty<string>(), StringComparer.Ordinal);
}

/// <summary>
/// Decides which service each object belongs to: a declared object goes to the service of its
/// desired document; an in-scope live object nobody declares goes to the service it would belong
/// to, else to its namespace's catch-all; anything else is out of scope (null).
/// </summary>
public sealed class LiveRouter(ClusterConfig config, Dictionary<ResourceKey, string> owners, HashSet<string> declared)
{
    private readonly UnmanagedScope _scope = new(owners.Keys);

    public IReadOnlyCollection<(string Group, string Kind)> Kinds { get; } = [.. owners.Keys.Select(k => (k.Group, k.Kind)).Distinct()];

    public IReadOnlyCollection<string> Namespaces { get; } = [.. owners.Keys.Where(k => !k.IsClusterScoped).Select(k => k.Namespace).Distinct(StringComparer.Ordinal)];

    public string? Route(ResourceKey key, Manifest live)
    {
        if (owners.TryGetValue(key, out var service))
        {
            return service;
        }

        if (!_scope.Contains(key, live))
        {
            return null;
        }

        var own = ClusterSources.ServiceOf(config, key, live);
        return declared.Contains(own.Key) ? own.Key : (own with { Name = ServiceId.Unmanaged }).Key;
    }
}

public static class ClusterSources
{
    /// <summary>
    /// Reads a cluster's desired source and, when it is polled, its live one (a followed source's
    /// objects come later, once the router says what to list), Secrets sealed with <paramref name="digest"/>.
    /// </summary>
    public static ClusterLoad Load(ClusterConfig config, SecretDigest digest, IDesiredSource desiredSource, ILiveSource liveSource, out LiveRouter router)
    {
        var load = new ClusterLoad();
        using var desired = desiredSource.Read();
        load.Errors.AddRange(desired.Errors.Select(e => "desired " + e));
        load.DesiredUsable = desired.Errors.Count == 0;
        if (desired.ReadAtEarlierVersion.Count > 0)
        {
            // A broken file judged at its last good version: the rest is judged as it is now, and the cluster says what is broken.
            load.Errors.AddRange(desired.ReadAtEarlierVersion.Select(e => "desired " + e));
            load.PartlyUsable = true;
        }

        load.DesiredRevision = desiredSource.Revision;
        using var live = liveSource.ReadSnapshot();
        load.Errors.AddRange(live.Errors.Select(e => "live " + e));
        load.LiveUsable = !liveSource.Follows && live.Errors.Count == 0;
        if (live.EmptyFiles is [var empty, ..])
        {
            // kubectl's output is never empty: an empty file is one being written (a shell's `>`
            // empties it first). Read as a cluster with nothing in it, every declared object would be missing.
            load.Errors.Add($"live {empty}: empty: a snapshot is `kubectl get -o json|yaml` output; it is read again at the next poll");
            load.LiveUsable = false;
        }

        var scopes = new KindScopes();
        scopes.LearnFrom(desired.Manifests, live: false);
        scopes.LearnFrom(live.Manifests, live: true);

        var owners = new Dictionary<ResourceKey, string>();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in desired.Manifests)
        {
            if (manifest.IgnoreAnnotationError is { } ignoreError)
            {
                // The object is judged with nothing of its annotation ignored; the error says why.
                load.Errors.Add("desired " + ignoreError);
                load.PartlyUsable = true;
            }

            var key = manifest.KeyIn(scopes, config.DefaultNamespace);
            AddDefinition(load, key, manifest);
            var service = ServiceOf(config, key, manifest);
            if (!owners.TryAdd(key, service.Key))
            {
                load.Errors.Add($"desired {manifest.Location}: {key} is declared twice");
                continue;
            }

            declared.Add(service.Key);
            Add(load.Desired, service.Key, key, manifest, digest);
            if (load.DesiredRevision is not null && load.Desired[service.Key][^1] is { Source: { } file } added)
            {
                // A repository's file at its commit, not the silo's cache of it.
                load.Desired[service.Key][^1] = added with { Source = desiredSource.NameOf(file) };
            }
        }

        router = new LiveRouter(config, owners, declared);
        var seen = new HashSet<ResourceKey>();
        foreach (var manifest in live.Manifests)
        {
            var key = manifest.KeyIn(scopes, config.DefaultNamespace);
            AddDefinition(load, key, manifest);
            if (seen.Add(key) && router.Route(key, manifest) is { } service)
            {
                Add(load.Live, service, key, manifest, digest);
            }
        }

        return load;
    }

    /// <summary>Keeps a CustomResourceDefinition (compacted) for the kind it declares; a later one replaces an earlier.</summary>
    public static void AddDefinition(ClusterLoad load, ResourceKey key, Manifest manifest)
    {
        if (ResourceSchemas.IsDefinition(manifest) && ResourceSchemas.DefinedKind(manifest) is { } kind)
        {
            load.Definitions[kind] = new ResourceDocument(key.ToString(), ResourceSchemas.CompactDefinition(manifest).ToUtf8Json(), manifest.Location.Source, manifest.Location.Line);
        }
    }

    /// <summary>The definitions of the custom kinds among <paramref name="documents"/>, in the order of their kinds.</summary>
    public static List<ResourceDocument> DefinitionsFor(ClusterLoad load, IReadOnlyList<ResourceDocument> documents)
    {
        if (load.Definitions.Count == 0)
        {
            return [];
        }

        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var doc in documents)
        {
            if (ResourceKey.TryParse(doc.Key, out var key) && load.Definitions.ContainsKey(key.GroupKind))
            {
                kinds.Add(key.GroupKind);
            }
        }

        return [.. kinds.Select(kind => load.Definitions[kind])];
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

    /// <summary>
    /// A hash of a service's documents (and policy), to send nothing when nothing changed. Kept in
    /// memory only, so a fast non-cryptographic hash of the text as it is held will do.
    /// </summary>
    public static UInt128 Hash(IReadOnlyList<ResourceDocument> documents, string salt = "")
    {
        var hash = new XxHash128();
        Append(hash, MemoryMarshal.AsBytes(salt.AsSpan()));
        foreach (var doc in documents)
        {
            Append(hash, MemoryMarshal.AsBytes(doc.Key.AsSpan()));
            Append(hash, doc.Json);
            Append(hash, MemoryMarshal.AsBytes((doc.Source ?? string.Empty).AsSpan()));
            Append(hash, doc.Line);
            Append(hash, doc.Lines ?? []);
        }

        return hash.GetCurrentHashAsUInt128();
    }

    /// <summary>The bytes and then their length, so that no two lists of texts feed the hash the same bytes.</summary>
    private static void Append(XxHash128 hash, ReadOnlySpan<byte> bytes)
    {
        hash.Append(bytes);
        Append(hash, bytes.Length);
    }

    private static void Append(XxHash128 hash, int number) => hash.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in number)));

    public static void Add(Dictionary<string, List<ResourceDocument>> into, string service, ResourceKey key, Manifest manifest, SecretDigest digest)
    {
        if (!into.TryGetValue(service, out var docs))
        {
            docs = [];
            into[service] = docs;
        }

        docs.Add(Document(key, manifest, digest));
    }

    /// <summary>
    /// The document a grain receives. Secret values never pass: the grains keep, send and store only
    /// digests, under the installation's <paramref name="digest"/> (so the documents' hashes change
    /// with the key, and a service is sent its Secrets again under a new one).
    /// </summary>
    public static ResourceDocument Document(ResourceKey key, Manifest manifest, SecretDigest digest)
    {
        if (key.IsSecret)
        {
            var sealedRoot = SecretValues.Seal(manifest.Root, digest);
            return new ResourceDocument(key.ToString(), sealedRoot.ToUtf8Json(), manifest.Location.Source, manifest.Location.Line) { Lines = NodeLines.Of(sealedRoot) };
        }

        return new ResourceDocument(key.ToString(), manifest.ToUtf8Json(), manifest.Location.Source, manifest.Location.Line) { Lines = manifest.Lines };
    }
}
