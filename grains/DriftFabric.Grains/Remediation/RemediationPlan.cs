using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Remediation;

/// <summary>One call to a remediator: the resources it is handed together.</summary>
internal sealed record RemediationStep(IRemediator Remediator, IReadOnlyList<ResourceState> Inputs);

/// <summary>Which remediator puts each resource right, and in which calls.</summary>
internal static class RemediationPlan
{
    /// <summary>
    /// The remediator of <paramref name="input"/>: the first of <paramref name="remediators"/> that
    /// can act on it, so a more particular one (a proxy) goes before the one that takes the rest.
    /// </summary>
    public static IRemediator? Choose(ResourceState input, RemediationScope scope, IReadOnlyList<IRemediator> remediators)
    {
        foreach (var remediator in remediators)
        {
            if (remediator.CanActOn(input, scope))
            {
                return remediator;
            }
        }

        return null;
    }

    /// <summary>
    /// The calls that remediate <paramref name="inputs"/>, in their order: one per resource, except
    /// that a remediator that acts on the set is called once, where its first resource comes, with
    /// all of its resources.
    /// </summary>
    public static IReadOnlyList<RemediationStep> Of(IReadOnlyList<ResourceState> inputs, RemediationScope scope, IReadOnlyList<IRemediator> remediators)
    {
        var steps = new List<RemediationStep>();
        var sets = new Dictionary<IRemediator, List<ResourceState>>(ReferenceEqualityComparer.Instance);
        foreach (var input in inputs)
        {
            var remediator = Choose(input, scope, remediators)
                ?? throw new InvalidOperationException($"no remediator acts on {input.Resource} for a {scope.Request.Action}");
            if (!remediator.ActsOnTheSet)
            {
                steps.Add(new RemediationStep(remediator, [input]));
            }
            else if (sets.TryGetValue(remediator, out var set))
            {
                set.Add(input);
            }
            else
            {
                set = [input];
                sets.Add(remediator, set);
                steps.Add(new RemediationStep(remediator, set));
            }
        }

        return steps;
    }
}
