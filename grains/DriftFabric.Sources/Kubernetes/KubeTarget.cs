using System.Runtime.CompilerServices;
using System.Text.Json;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using k8s;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>One list+watch: a resource of the API (found through discovery) in one namespace, or cluster-wide.</summary>
public sealed record KubeTarget(string Group, string Version, string Kind, string Plural, bool Namespaced, string? Namespace)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource as kubectl names it (<c>deployments.apps</c>; a core one bare: <c>services</c>), and where.</summary>
    public string Resource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public override string ToString() => Namespace is null ? Resource : $"{Resource} in {Namespace}";
}

/// <summary>
/// Lists and watches a <see cref="KubeTarget"/> through KubernetesClient, as raw JSON: custom
/// resources and every named group through the CustomObjects API, the core group through its
/// typed API. (KubernetesClient 21's CustomObjects calls do reach <c>/api/v1</c> with an empty
/// group, as the reverter uses them; the list and watch keep the typed calls they were tested with.)
/// </summary>
internal static class KubeReader
{
    public static async Task<(List<MapNode> Items, string ResourceVersion)> ListAsync(IKubernetes client, KubeTarget target, CancellationToken ct)
    {
        if (target.Group.Length > 0)
        {
            var list = (JsonElement)(target.Namespace is null
                ? await client.CustomObjects.ListClusterCustomObjectAsync(target.Group, target.Version, target.Plural, cancellationToken: ct)
                : await client.CustomObjects.ListNamespacedCustomObjectAsync(target.Group, target.Version, target.Namespace, target.Plural, cancellationToken: ct));
            var items = new List<MapNode>();
            foreach (var item in list.GetProperty("items").EnumerateArray())
            {
                items.Add(WithIdentity(item.GetRawText(), target));
            }

            return (items, list.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? string.Empty);
        }

        var ns = target.Namespace ?? string.Empty;
        return target.Plural switch
        {
            "configmaps" => Typed(await client.CoreV1.ListNamespacedConfigMapAsync(ns, cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            "secrets" => Typed(await client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            "services" => Typed(await client.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            "serviceaccounts" => Typed(await client.CoreV1.ListNamespacedServiceAccountAsync(ns, cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            "persistentvolumeclaims" => Typed(await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            "pods" => Typed(await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            "namespaces" => Typed(await client.CoreV1.ListNamespaceAsync(cancellationToken: ct), l => l.Items, l => l.Metadata, target),
            _ => throw new NotSupportedException($"core resource '{target.Plural}' is not watched by DriftFabric"),
        };
    }

    /// <summary>Watch events as (type, object JSON); a 410 or other server error arrives through <paramref name="onError"/>.</summary>
    public static IAsyncEnumerable<(WatchEventType Type, MapNode Object)> WatchAsync(IKubernetes client, KubeTarget target, string resourceVersion, Action<Exception> onError, CancellationToken ct)
    {
        const int timeoutSeconds = 300;
        if (target.Group.Length > 0)
        {
            var events = target.Namespace is null
                ? client.CustomObjects.WatchListClusterCustomObjectAsync(target.Group, target.Version, target.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct)
                : client.CustomObjects.WatchListNamespacedCustomObjectAsync(target.Group, target.Version, target.Namespace, target.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct);
            return Raw(events, target, ct);
        }

        var ns = target.Namespace ?? string.Empty;
        return target.Plural switch
        {
            "configmaps" => Typed(client.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            "secrets" => Typed(client.CoreV1.WatchListNamespacedSecretAsync(ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            "services" => Typed(client.CoreV1.WatchListNamespacedServiceAsync(ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            "serviceaccounts" => Typed(client.CoreV1.WatchListNamespacedServiceAccountAsync(ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            "persistentvolumeclaims" => Typed(client.CoreV1.WatchListNamespacedPersistentVolumeClaimAsync(ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            "pods" => Typed(client.CoreV1.WatchListNamespacedPodAsync(ns, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            "namespaces" => Typed(client.CoreV1.WatchListNamespaceAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct), target, ct),
            _ => throw new NotSupportedException($"core resource '{target.Plural}' is not watched by DriftFabric"),
        };
    }

    /// <summary>The core resources whose typed API the reader knows.</summary>
    public static bool IsSupportedCore(string plural) =>
        plural is "configmaps" or "secrets" or "services" or "serviceaccounts" or "persistentvolumeclaims" or "pods" or "namespaces";

    private static (List<MapNode>, string) Typed<TList, TItem>(TList list, Func<TList, IList<TItem>> items, Func<TList, k8s.Models.V1ListMeta> metadata, KubeTarget target) =>
        ([.. items(list).Select(i => WithIdentity(KubernetesJson.Serialize(i), target))], metadata(list).ResourceVersion ?? string.Empty);

    private static async IAsyncEnumerable<(WatchEventType, MapNode)> Typed<T>(IAsyncEnumerable<(WatchEventType, T)> events, KubeTarget target, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (type, item) in events.WithCancellation(ct))
        {
            yield return (type, WithIdentity(KubernetesJson.Serialize(item), target));
        }
    }

    private static async IAsyncEnumerable<(WatchEventType, MapNode)> Raw(IAsyncEnumerable<(WatchEventType, object)> events, KubeTarget target, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (type, item) in events.WithCancellation(ct))
        {
            yield return (type, WithIdentity(((JsonElement)item).GetRawText(), target));
        }
    }

    /// <summary>Parses an object; list items often come without apiVersion and kind, which the engine needs.</summary>
    internal static MapNode WithIdentity(string json, KubeTarget target)
    {
        var root = JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(json)) is [MapNode map] ? map : throw new InvalidDataException($"{target}: the API server sent an object that is not a JSON object");
        if (root["apiVersion"] is null)
        {
            root = root.With("apiVersion", ScalarNode.String(target.ApiVersion));
        }

        return root["kind"] is null ? root.With("kind", ScalarNode.String(target.Kind)) : root;
    }
}
