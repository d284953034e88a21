using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Services;

/// <summary>
/// When a resource the self-healing policy acted on gets another chance, as plain logic: its
/// contested mark (<see cref="ServiceState.Contested"/>) and, where its code or the policy
/// changed, the count of what was done to it (<see cref="ServiceState.Reverts"/>) are forgotten.
/// </summary>
internal static class SecondChances
{
    /// <summary>
    /// New code: a new policy gives every resource another chance, new code for a resource (added,
    /// removed or changed) gives that one another.
    /// </summary>
    /// <param name="state">Holds the new desired documents already, and still the old policy.</param>
    /// <param name="before">The desired documents held until now.</param>
    /// <param name="policy">The policy that comes with the new documents.</param>
    public static void AfterNewCode(ServiceState state, List<StoredDocument> before, PolicySource policy)
    {
        if (policy.Hash != state.Policy.Hash)
        {
            state.Contested.Clear();
            state.Reverts.Clear();
            return;
        }

        foreach (var resource in ChangedKeys(before, state.Desired))
        {
            state.Contested.Remove(resource);
            state.Reverts.Remove(resource);
        }
    }

    /// <summary>
    /// A contested resource back in line (its other writer gave up, or a person put it right) is
    /// contested no more; its recent actions still count toward the next contest.
    /// </summary>
    /// <param name="state">Holds the drift set that follows <paramref name="transitions"/>.</param>
    public static void AfterResolved(ServiceState state, IEnumerable<DriftTransition> transitions)
    {
        foreach (var resource in transitions.Where(t => t.Type == DriftEventType.Resolved).Select(t => t.Drift.Resource).Distinct())
        {
            if (state.Contested.Contains(resource) && !state.Drifts.Values.Any(d => d.Resource == resource))
            {
                state.Contested.Remove(resource);
            }
        }
    }

    /// <summary>The resources whose desired document was added, removed or changed.</summary>
    private static IEnumerable<string> ChangedKeys(List<StoredDocument> before, List<StoredDocument> after)
    {
        var hashes = before.ToDictionary(d => d.Key, d => d.Hash, StringComparer.Ordinal);
        foreach (var doc in after)
        {
            if (!hashes.Remove(doc.Key, out var hash) || hash != doc.Hash)
            {
                yield return doc.Key;
            }
        }

        foreach (var removed in hashes.Keys)
        {
            yield return removed;
        }
    }
}
