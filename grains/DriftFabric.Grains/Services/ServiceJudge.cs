using DriftFabric.Abstractions;
using DriftFabric.Engine;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Grains.Services;

/// <summary>Documents as a cluster just sent them, index for index with the stored ones; null where nothing was sent.</summary>
internal readonly record struct DocumentTexts(IReadOnlyList<ResourceDocument>? Desired, IReadOnlyList<ResourceDocument>? Live);

/// <summary>
/// How a service judges its documents with the engine, with what it keeps between judgements
/// (the verdicts on what the pipeline applied, the engine that knows the service's custom
/// kinds). Plain logic, no grain: the service grain holds one per activation.
/// </summary>
internal sealed class ServiceJudge
{
    /// <summary>What was known of how each object was applied was judged against the old code: forgotten when it changes.</summary>
    public void ForgetApplied() => _applied.Clear();

    /// <summary>The custom kinds' definitions changed.</summary>
    public void ForgetDefinitions() => _withDefinitions = null;

    /// <summary>
    /// The service's drift set as it stands now: every resource (or those in
    /// <paramref name="changed"/>) judged again, the drifts of the others (and the proxies', which
    /// they report) as they were, each new one with <paramref name="now"/> as its onset unless the
    /// live object says when it changed.
    /// </summary>
    /// <param name="changed">The only resources that can have changed (watched changes), or null to judge them all.</param>
    /// <param name="texts">The documents as just received, one for each stored one, so they need not be decompressed.</param>
    public Dictionary<string, DriftRecord> Judge(ServiceState state, DriftEngine policy, HashSet<string>? changed, DocumentTexts texts, DateTimeOffset now)
    {
        var engine = WithDefinitions(state, policy);
        // Only the documents being judged are parsed: parsed trees are not kept between calls,
        // so a service holds its compact JSON and nothing more.
        var desired = Parse(state.Desired, texts.Desired, changed);
        var live = LiveObjects(state.Live, texts.Live, changed);

        var current = new Dictionary<string, DriftRecord>(StringComparer.Ordinal);
        foreach (var (id, record) in state.Drifts)
        {
            // Drifts of resources that did not change stand as they are; so do the proxies', which they report.
            if (changed is null ? state.Proxies.Contains(record.Resource) : !changed.Contains(record.Resource))
            {
                current[id] = record;
            }
        }

        foreach (var key in (changed ?? desired.Keys.Union(live.Keys)).Order(StringComparer.Ordinal))
        {
            if (!ResourceKey.TryParse(key, out var resource))
            {
                continue;
            }

            var drifts = live.TryGetValue(key, out var liveObject)
                ? engine.CompareResource(resource, desired.GetValueOrDefault(key), liveObject.Json, liveObject.Source, AppliedVerdictsOf(key))
                : engine.CompareResource(resource, desired.GetValueOrDefault(key), live: null);
            foreach (var drift in drifts)
            {
                var record = DriftRecords.From(drift, now);
                current[record.Id] = record;
            }
        }

        return current;
    }

    /// <summary>
    /// The verdict on what the pipeline applied to each live object, kept between judgements
    /// (desired documents are parsed anew each time, so it cannot live with them); forgotten
    /// when the desired documents change. In memory only: a new activation asks again.
    /// </summary>
    private readonly Dictionary<string, AppliedVerdicts> _applied = new(StringComparer.Ordinal);

    private AppliedVerdicts AppliedVerdictsOf(string key)
    {
        if (!_applied.TryGetValue(key, out var verdicts))
        {
            verdicts = new AppliedVerdicts();
            _applied[key] = verdicts;
        }

        return verdicts;
    }

    // The policy's engine, and that engine knowing the defaults of the service's custom kinds.
    private (DriftEngine Policy, DriftEngine WithDefinitions)? _withDefinitions;

    /// <summary>The engine, knowing the defaults of the custom resources whose CRDs the service was sent.</summary>
    private DriftEngine WithDefinitions(ServiceState state, DriftEngine engine)
    {
        if (state.Definitions.Count == 0)
        {
            return engine;
        }

        if (_withDefinitions is { } known && ReferenceEquals(known.Policy, engine))
        {
            return known.WithDefinitions;
        }

        var definitions = new List<Manifest>();
        foreach (var doc in state.Definitions)
        {
            if (JsonReader.ReadValues(doc.Json()) is [MapNode root])
            {
                definitions.Add(new Manifest(root, new SourceLocation(doc.Source ?? doc.Key, doc.Line)));
            }
        }

        var withDefinitions = engine.WithCustomResources(definitions);
        _withDefinitions = (engine, withDefinitions);
        return withDefinitions;
    }

    private static Dictionary<string, Manifest> Parse(List<StoredDocument> documents, IReadOnlyList<ResourceDocument>? texts, HashSet<string>? only)
    {
        var result = new Dictionary<string, Manifest>(StringComparer.Ordinal);
        foreach (var (doc, json) in ToJudge(documents, texts, only))
        {
            // A document kept without lines (a rendered kustomization's) names no line: not line 1
            // of its compact JSON, which no reader can open.
            if (JsonReader.ReadValues(json, doc.Lines ?? []) is [MapNode root])
            {
                result[doc.Key] = new Manifest(root, new SourceLocation(doc.Source ?? doc.Key, doc.Line));
            }
        }

        return result;
    }

    /// <summary>
    /// The stored documents to judge (all, or those in <paramref name="only"/>) with their JSON:
    /// the text just received where there is one, else the stored copy decompressed.
    /// </summary>
    private static IEnumerable<(StoredDocument Doc, byte[] Json)> ToJudge(List<StoredDocument> documents, IReadOnlyList<ResourceDocument>? texts, HashSet<string>? only)
    {
        for (var i = 0; i < documents.Count; i++)
        {
            var doc = documents[i];
            if (only is null || only.Contains(doc.Key))
            {
                yield return (doc, texts is null ? doc.Json() : texts[i].Json);
            }
        }
    }

    /// <summary>
    /// Live documents are handed to the engine as the JSON they are (desired ones are parsed into
    /// trees: their lines name the source): an object in sync is settled in one read of its bytes.
    /// </summary>
    private static Dictionary<string, (byte[] Json, SourceLocation Source)> LiveObjects(List<StoredDocument> documents, IReadOnlyList<ResourceDocument>? texts, HashSet<string>? only)
    {
        var result = new Dictionary<string, (byte[] Json, SourceLocation Source)>(StringComparer.Ordinal);
        foreach (var (doc, json) in ToJudge(documents, texts, only))
        {
            if (json.AsSpan().TrimStart(" \t\r\n"u8) is [(byte)'{', ..])
            {
                result[doc.Key] = (json, new SourceLocation(doc.Source ?? doc.Key, doc.Line));
            }
        }

        return result;
    }
}
