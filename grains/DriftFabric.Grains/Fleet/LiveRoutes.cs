using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// Which service each watched object was last sent to, and the split of a batch of watched
/// changes into one ordered batch per service: an object whose route changed (its labels moved
/// it) is withdrawn from the service it left, one that left the scope from its last service, and
/// a deletion goes to the service that had it. Plain state, no grain.
/// </summary>
internal sealed class LiveRoutes
{
    private readonly Dictionary<string, string> _routes = new(StringComparer.Ordinal);

    /// <summary>Forgets every route (a re-list sets them all again).</summary>
    public void Clear() => _routes.Clear();

    public void Set(string key, string service) => _routes[key] = service;

    public string? ServiceOf(string key) => _routes.GetValueOrDefault(key);

    /// <param name="route">
    /// Where an object goes: <c>IsObject</c> false when the document is no object (then it is
    /// treated as gone), <c>Service</c> null when it is out of scope.
    /// </param>
    public Dictionary<string, List<LiveDocumentChange>> Split(IReadOnlyList<LiveDocumentChange> changes, Func<ResourceKey, ResourceDocument, (bool IsObject, string? Service)> route)
    {
        var byService = new Dictionary<string, List<LiveDocumentChange>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (change.Document is { } doc && ResourceKey.TryParse(change.Key, out var key) && route(key, doc) is (true, var service))
            {
                var previous = _routes.GetValueOrDefault(change.Key);
                if (previous is not null && previous != service)
                {
                    Of(byService, previous).Add(change with { Document = null });
                }

                if (service is null)
                {
                    _routes.Remove(change.Key);
                    continue;
                }

                _routes[change.Key] = service;
                Of(byService, service).Add(change);
            }
            else if (_routes.Remove(change.Key, out var had))
            {
                Of(byService, had).Add(change with { Document = null });
            }
        }

        return byService;
    }

    private static List<LiveDocumentChange> Of(Dictionary<string, List<LiveDocumentChange>> byService, string service)
    {
        if (!byService.TryGetValue(service, out var changes))
        {
            changes = [];
            byService[service] = changes;
        }

        return changes;
    }
}
