using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Parsing;
using k8s;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>How a one-time listing asks the API server: requests per second (a polite default), their burst, and the page size.</summary>
public sealed record KubeListOptions
{
    public int Qps { get; init; } = 20;

    public int Burst { get; init; } = 40;

    /// <summary>Objects per list request (<c>limit</c>); the rest follow with <c>continue</c>, so no answer holds a whole namespace.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>The clock the request budget refills on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// What a one-time listing of a cluster found: the objects of every kind in scope, as the API
/// server sent them (<c>managedFields</c> kept: who changed a field and when come from them), and
/// each kind it could not list, with why. Desired objects of a kind not listed cannot be judged:
/// their live state is unknown, not absent.
/// </summary>
public sealed class KubeListing
{
    public List<Manifest> Objects { get; } = [];

    public List<ManifestError> Errors { get; } = [];

    /// <summary>Kinds (by group) that were not listed, with the namespace they were not listed in (null: every namespace, or a cluster-scoped kind).</summary>
    public HashSet<(string Group, string Kind, string? Namespace)> Unlisted { get; } = [];

    /// <summary>True when the live state of <paramref name="manifest"/>'s kind in its namespace is unknown.</summary>
    public bool IsUnlisted(Manifest manifest, string defaultNamespace) =>
        Unlisted.Contains((manifest.Group, manifest.Kind, null)) || Unlisted.Contains((manifest.Group, manifest.Kind, manifest.Namespace ?? defaultNamespace));
}

/// <summary>
/// Lists a cluster once, as <c>driftfabric check --context</c> reads it: discovery finds the
/// resource behind each kind in scope (as the watch does), then each is listed in each namespace
/// in pages (<c>limit</c>/<c>continue</c>) within a request budget. A kind the server refuses
/// (401, 403), answers with what is not a Kubernetes list, or cannot be reached for is an error
/// naming the kind and the server; the other kinds are still listed.
/// </summary>
public static class KubeLister
{
    public static async Task<KubeListing> ListAsync(IKubernetes client, LiveScope scope, KubeListOptions options, Action<string>? progress, CancellationToken ct)
    {
        await using var budget = new RequestBudget(options.Qps, options.Burst, options.Time);
        return await ListAsync(client, scope, options.PageSize, budget, progress, ct);
    }

    /// <summary>As the public one, within a budget the caller holds (a test reads how many requests wait for it).</summary>
    internal static async Task<KubeListing> ListAsync(IKubernetes client, LiveScope scope, int pageSize, RequestBudget budget, Action<string>? progress, CancellationToken ct)
    {
        var listing = new KubeListing();
        var server = KubeAnswers.ServerOf(client);

        List<KubeTarget> targets;
        try
        {
            progress?.Invoke($"discovering the kinds {server} serves");
            await budget.AcquireAsync(ct);
            (targets, var unserved) = await KubeDiscovery.ResolveAsync(client, scope.Kinds, scope.Namespaces, ct, everyCoreKind: true);
            foreach (var error in unserved)
            {
                listing.Errors.Add(new ManifestError(server, 0, error));
            }

            foreach (var (group, kind) in scope.Kinds.Where(k => !targets.Any(t => SameKind(t, k))))
            {
                listing.Unlisted.Add((group, kind, null));
            }
        }
        catch (Exception e) when (KubeAnswers.IsAnswerProblem(e))
        {
            listing.Errors.Add(new ManifestError(server, 0, $"API discovery failed: {KubeAnswers.Describe(e, server)}; nothing was listed"));
            foreach (var (group, kind) in scope.Kinds)
            {
                listing.Unlisted.Add((group, kind, null));
            }

            return listing;
        }

        foreach (var target in targets)
        {
            var group = target.Group.Length == 0 ? "core" : target.Group;
            try
            {
                var items = await ListPagesAsync(client, target, budget, pageSize, progress, ct);
                listing.Objects.AddRange(items.Select(item => new Manifest(item, new SourceLocation($"{server} {target}", 0))));
            }
            catch (Exception e) when (KubeAnswers.IsAnswerProblem(e))
            {
                var where = target.Namespace is null ? string.Empty : $" in namespace {target.Namespace}";
                listing.Errors.Add(new ManifestError(server, 0, $"{group}/{target.Kind}{where} could not be listed: {KubeAnswers.Describe(e, server)}; its objects are not judged"));
                listing.Unlisted.Add((group, target.Kind, target.Namespace));
            }
        }

        return listing;
    }

    private static async Task<List<Engine.Model.MapNode>> ListPagesAsync(IKubernetes client, KubeTarget target, RequestBudget budget, int pageSize, Action<string>? progress, CancellationToken ct)
    {
        var items = new List<Engine.Model.MapNode>();
        string? next = null;
        var page = 0;
        do
        {
            await budget.AcquireAsync(ct);
            page++;
            progress?.Invoke(page == 1 ? $"listing {Describe(target)}" : $"listing {Describe(target)}, page {page}");

            // Through the CustomObjects API for every group (an empty group reaches /api/v1): one
            // raw JSON list for every kind, paged the same way.
            var list = (JsonElement)(target.Namespace is null
                ? await client.CustomObjects.ListClusterCustomObjectAsync(target.Group, target.Version, target.Plural, continueParameter: next, limit: pageSize, cancellationToken: ct)
                : await client.CustomObjects.ListNamespacedCustomObjectAsync(target.Group, target.Version, target.Namespace, target.Plural, continueParameter: next, limit: pageSize, cancellationToken: ct));
            if (list.ValueKind != JsonValueKind.Object || !list.TryGetProperty("items", out var array) || array.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            {
                throw new InvalidDataException("the answer is not a Kubernetes list (no 'items')");
            }

            if (array.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in array.EnumerateArray())
                {
                    items.Add(KubeReader.WithIdentity(item.GetRawText(), target));
                }
            }

            next = list.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("continue", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
        }
        while (!string.IsNullOrEmpty(next));

        return items;
    }

    private static string Describe(KubeTarget target) =>
        $"{(target.Group.Length == 0 ? "core" : target.Group)}/{target.Kind}" + (target.Namespace is null ? string.Empty : $" in {target.Namespace}");

    private static bool SameKind(KubeTarget target, (string Group, string Kind) kind) =>
        target.Kind == kind.Kind && (target.Group.Length == 0 ? "core" : target.Group) == kind.Group;
}
