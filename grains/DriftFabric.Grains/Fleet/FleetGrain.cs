using DriftFabric.Abstractions;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.FleetState")]
public sealed class FleetState
{
    [Id(0)]
    public List<string> Tenants { get; set; } = [];

    [Id(1)]
    public List<string> Webhooks { get; set; } = [];

    [Id(2)]
    public List<string> Proxies { get; set; } = [];
}

/// <summary>The fleet's one grain: the tenant list, kept so clients can find every tenant.</summary>
[GrainType("driftfabric.fleet")]
public sealed class FleetGrain([PersistentState("fleet", StorageNames.Grains)] IPersistentState<FleetState> state, ILogger<FleetGrain> logger) : Grain, IFleetGrain
{
    public async Task SetTenants(IReadOnlyList<string> tenants)
    {
        if (state.State.Tenants.SequenceEqual(tenants, StringComparer.Ordinal))
        {
            return;
        }

        state.State.Tenants = [.. tenants];
        await state.WriteAsync(GrainContext, logger);
    }

    public Task<IReadOnlyList<string>> GetTenants() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Tenants]);

    public Task<IReadOnlyList<string>> ReplaceWebhooks(IReadOnlyList<string> webhooks) => Replace(state.State.Webhooks, webhooks);

    public Task<IReadOnlyList<string>> ReplaceProxies(IReadOnlyList<string> proxies) => Replace(state.State.Proxies, proxies);

    /// <summary>Makes <paramref name="current"/> (a list of the state) <paramref name="next"/>; returns the names it no longer has.</summary>
    private async Task<IReadOnlyList<string>> Replace(List<string> current, IReadOnlyList<string> next)
    {
        var removed = current.Except(next, StringComparer.Ordinal).ToList();
        if (!current.SequenceEqual(next, StringComparer.Ordinal))
        {
            current.Clear();
            current.AddRange(next);
            await state.WriteAsync(GrainContext, logger);
        }

        return removed;
    }
}
