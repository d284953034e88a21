using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Defaults;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine;

/// <summary>The verdict over a whole desired and live state.</summary>
public sealed class CheckResult
{
    public required IReadOnlyList<Drift> Drifts { get; init; }

    /// <summary>Inputs that could not be used (duplicate declarations and the like).</summary>
    public required IReadOnlyList<ManifestError> Errors { get; init; }

    /// <summary>Every resource that took part: desired ones and in-scope unmanaged live ones.</summary>
    public required IReadOnlyList<CheckedResource> Resources { get; init; }
}

/// <summary>A resource that was checked, where its desired side was declared (if anywhere).</summary>
public sealed record CheckedResource(ResourceKey Key, SourceLocation? Desired);

/// <summary>
/// The drift engine: compares desired and live Kubernetes objects under the drift semantics
/// and a <see cref="DriftPolicy"/>. Stateless and thread-safe; no I/O.
/// </summary>
public sealed class DriftEngine(DriftPolicy? policy = null, ResourceSchemas? schemas = null)
{
    public DriftPolicy Policy { get; } = policy ?? DriftPolicy.Default;

    /// <summary>The defaults of the kinds compared: Kubernetes' own, and custom resources' whose CRD is known.</summary>
    public ResourceSchemas Schemas { get; } = schemas ?? ResourceSchemas.BuiltIn;

    /// <summary>This engine, knowing the defaults of the custom resources the CRDs among <paramref name="manifests"/> declare.</summary>
    public DriftEngine WithCustomResources(IEnumerable<Manifest> manifests)
    {
        var schemas = Schemas.WithCustomResources(manifests);
        return ReferenceEquals(schemas, Schemas) ? this : new DriftEngine(Policy, schemas);
    }

    /// <summary>Compares the desired and live sides of one resource (either may be absent).</summary>
    public IReadOnlyList<Drift> CompareResource(ResourceKey key, Manifest? desired, Manifest? live)
    {
        var drifts = new List<Drift>();
        CompareInto(key, desired, live, drifts);
        drifts.Sort(DriftOrder.Instance);
        return drifts;
    }

    /// <summary>
    /// Compares one resource whose live side is JSON as the API server sends it (one object).
    /// An object in sync is settled in one read of its bytes (see <see cref="LiveScan"/>), without
    /// parsing it into a document; the drifts are those the comparer finds in the whole object.
    /// </summary>
    /// <exception cref="System.Text.Json.JsonException">The live JSON does not read.</exception>
    /// <exception cref="ArgumentException">The live JSON is not an object.</exception>
    public IReadOnlyList<Drift> CompareResource(ResourceKey key, Manifest? desired, ReadOnlyMemory<byte> liveJson, SourceLocation liveSource) =>
        CompareResource(key, desired, liveJson, liveSource, applied: null);

    /// <summary>
    /// As the other overload, keeping the verdict on what the pipeline applied in
    /// <paramref name="applied"/> (null: with <paramref name="desired"/>): for a caller that
    /// parses desired state anew for each comparison, one per resource, renewed when desired changes.
    /// </summary>
    public IReadOnlyList<Drift> CompareResource(ResourceKey key, Manifest? desired, ReadOnlyMemory<byte> liveJson, SourceLocation liveSource, AppliedVerdicts? applied)
    {
        var drifts = new List<Drift>();
        if (desired is not null && !Policy.IgnoresResource(key) && Policy.IgnoredPaths(key).Count == 0 && desired.IgnoredPaths.Count == 0)
        {
            var scan = LiveScan.Rent();
            try
            {
                switch (scan.Run(liveJson, desired.ComparableDesired, key, Policy.Managers, applied ?? desired.AppliedVerdicts))
                {
                    case LiveScan.Outcome.InSync:
                        return drifts;
                    case LiveScan.Outcome.Suspects:
                        var context = new ResourceComparer.Context(key, Policy, scan.Ownership(), Schemas.RootOf(key, desired.ApiVersion), desired.Location);
                        ResourceComparer.CompareFields(context, drifts, scan.Fields(liveJson, key));
                        drifts.Sort(DriftOrder.Instance);
                        return drifts;
                }
            }
            finally
            {
                scan.Return();
            }
        }

        using var document = System.Text.Json.JsonDocument.Parse(liveJson);
        CompareInto(key, desired, new Manifest(document.RootElement, liveSource), drifts, applied);
        drifts.Sort(DriftOrder.Instance);
        return drifts;
    }

    /// <summary>
    /// What changed in one object between two versions of it (null: it did not exist then), as
    /// its comparisons see it (see <see cref="VersionComparer"/>): how a remediator tells whether
    /// the object changed since its drift was detected, and what a write changed or would. Its
    /// Secret values are compared and shown by this policy's digest. The policy's ignore rules
    /// take no part: a change anywhere means the object is not the one that was judged.
    /// </summary>
    public IReadOnlyList<ChangedField> CompareVersions(MapNode? before, MapNode? after) =>
        VersionComparer.Compare(before, after, Schemas, Policy.SecretDigest);

    /// <summary>
    /// Compares a whole desired state with a whole live one. The CRDs among either teach the
    /// defaults of their custom resources; a desired object's malformed ignore annotation is an
    /// error (the object is compared with nothing of it ignored).
    /// </summary>
    public CheckResult Check(IReadOnlyList<Manifest> desired, IReadOnlyList<Manifest> live) =>
        WithCustomResources(desired.Concat(live)).CheckKnowingKinds(desired, live);

    private CheckResult CheckKnowingKinds(IReadOnlyList<Manifest> desired, IReadOnlyList<Manifest> live)
    {
        var scopes = new KindScopes();
        scopes.LearnFrom(desired, live: false);
        scopes.LearnFrom(live, live: true);

        var errors = new List<ManifestError>();
        foreach (var manifest in desired)
        {
            if (manifest.IgnoreAnnotationError is { } error)
            {
                errors.Add(error);
            }
        }

        var desiredByKey = Index(desired, scopes, errors, "declared");
        var liveByKey = Index(live, scopes, errors, "listed");
        var scope = new UnmanagedScope(desiredByKey.Keys);

        var drifts = new List<Drift>();
        var resources = new List<CheckedResource>();
        foreach (var (key, manifest) in desiredByKey)
        {
            if (Policy.IgnoresResource(key))
            {
                continue;
            }

            resources.Add(new CheckedResource(key, manifest.Location));
            CompareInto(key, manifest, liveByKey.GetValueOrDefault(key), drifts);
        }

        foreach (var (key, manifest) in liveByKey)
        {
            if (!desiredByKey.ContainsKey(key) && !Policy.IgnoresResource(key) && scope.Contains(key, manifest))
            {
                resources.Add(new CheckedResource(key, null));
                CompareInto(key, null, manifest, drifts);
            }
        }

        drifts.Sort(DriftOrder.Instance);
        resources.Sort((a, b) => string.CompareOrdinal(a.Key.ToString(), b.Key.ToString()));
        return new CheckResult { Drifts = drifts, Errors = errors, Resources = resources };
    }

    private Dictionary<ResourceKey, Manifest> Index(IReadOnlyList<Manifest> manifests, KindScopes scopes, List<ManifestError> errors, string verb)
    {
        var byKey = new Dictionary<ResourceKey, Manifest>();
        foreach (var manifest in manifests)
        {
            var key = manifest.KeyIn(scopes, Policy.DefaultNamespace);
            if (!byKey.TryAdd(key, manifest))
            {
                errors.Add(new ManifestError(manifest.Location.Source, manifest.Location.Line, $"{key} is {verb} twice (first at {byKey[key].Location})"));
            }
        }

        return byKey;
    }

    private void CompareInto(ResourceKey key, Manifest? desired, Manifest? live, List<Drift> drifts, AppliedVerdicts? applied = null)
    {
        if (Policy.IgnoresResource(key))
        {
            return;
        }

        if (desired is not null && live is not null)
        {
            ResourceComparer.Compare(key, desired, live, Policy, Schemas, drifts, applied);
        }
        else if (desired is not null)
        {
            drifts.Add(WholeResource(key, DriftKind.Missing, null, desired.Location));
        }
        else if (live is not null)
        {
            drifts.Add(WholeResource(key, DriftKind.Unmanaged, FieldOwnership.From(live.Json, Policy.Managers)?.Creator, null));
        }
    }

    private Drift WholeResource(ResourceKey key, DriftKind kind, ManagedFieldsEntry? creator, SourceLocation? source) =>
        new(key, string.Empty, kind, Policy.SeverityOf(key, kind, []), null, null, creator?.Manager, creator?.Time, source);

    private sealed class DriftOrder : IComparer<Drift>
    {
        public static readonly DriftOrder Instance = new();

        public int Compare(Drift? x, Drift? y)
        {
            var byResource = string.CompareOrdinal(x!.Resource.ToString(), y!.Resource.ToString());
            if (byResource != 0)
            {
                return byResource;
            }

            var byPath = string.CompareOrdinal(x.Path, y.Path);
            return byPath != 0 ? byPath : x.Kind.CompareTo(y.Kind);
        }
    }
}
