using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

/// <summary>What sending to services came to: how many were sent, and how many must be sent their whole state again, of those how many soon (the others at the next reload).</summary>
internal readonly record struct ServiceSends(int Sent, int SendAgain, int SendAgainSoon);

/// <summary>
/// A cluster's calls to its services: each changed service sent its new state, each batch of
/// watched changes applied, the roll-up rebuilt from what they hold. A service's new summary goes
/// into the roll-up; one that failed, or holds no state to apply a part to, is forgotten in the
/// tables (so it is sent both parts again) and named in the answer for the grain to schedule.
/// </summary>
internal sealed class ClusterServices(IGrainFactory grains, ClusterTables tables, Action<string, Exception> serviceFailed)
{
    /// <summary>Sends each service whose documents changed its new state, in parallel; failures go into <paramref name="load"/>'s errors.</summary>
    /// <param name="also">Services to ask though the sources name none of theirs (those proxies give resources to).</param>
    public async Task<ServiceSends> SendAsync(ClusterConfig config, ClusterLoad load, IEnumerable<string> also, bool follows)
    {
        // Before the first usable live snapshot, desired state alone would read as "everything missing".
        var firstLoad = tables.LiveHashes.Count == 0 && tables.DesiredHashes.Count == 0;
        if (firstLoad && !(load.DesiredUsable && load.LiveUsable))
        {
            return default;
        }

        var updates = new Dictionary<string, ServiceUpdate>(StringComparer.Ordinal);
        foreach (var service in load.Services.Union(tables.RollUp.Lines.Keys, StringComparer.Ordinal).Union(also, StringComparer.Ordinal))
        {
            if (tables.ChangesFor(config, load, service) is { } update)
            {
                updates[service] = update;
            }
        }

        int again = 0, soon = 0;
        foreach (var (service, summary, error) in await ServiceCalls.AllAsync(grains, updates.Keys, (s, grain) => grain.Update(updates[s]), serviceFailed))
        {
            if (error is not null)
            {
                // Not sent: the next reload (soon) sends it again; a watched cluster keeps no documents, so that reload re-lists.
                tables.ForgetSent(service);
                load.Errors.Add($"service {service} could not be updated: {error.Message}");
                load.SendFailed = true;
                again++;
                soon++;
            }
            else if (summary is null)
            {
                // The service holds no state to apply one part to (new to the code, or its state
                // was lost with a silo): it is sent both parts, at once where both can be read.
                tables.ForgetSent(service);
                again++;
                soon += follows || (load.DesiredUsable && load.LiveUsable) ? 1 : 0;
            }
            else
            {
                tables.RollUp.Set(service, summary);
            }
        }

        return new ServiceSends(updates.Count, again, soon);
    }

    /// <summary>Applies watched changes, one ordered batch per service; returns how many services a re-list must send their whole state.</summary>
    public async Task<int> ApplyLiveAsync(Dictionary<string, List<LiveDocumentChange>> byService)
    {
        var again = 0;
        foreach (var (service, summary, _) in await ServiceCalls.AllAsync(grains, byService.Keys, (s, grain) => grain.ApplyLive(byService[s]), serviceFailed))
        {
            // What the service holds now is no longer what its last full sync sent.
            tables.LiveHashes.Remove(service);
            if (summary is null)
            {
                // A change it never got, or a service without its state.
                tables.ForgetSent(service);
                again++;
            }
            else
            {
                tables.RollUp.Set(service, summary);
            }
        }

        return again;
    }

    /// <summary>
    /// Rebuilds the roll-up from the services the cluster knew (their stored state outlives any
    /// silo), for an activation whose sources cannot be read now. A service that cannot answer yet
    /// is asked again at the next poll.
    /// </summary>
    public async Task RecoverRollUpAsync(IEnumerable<string> known)
    {
        var missing = known.Where(s => !tables.RollUp.Contains(s)).ToList();
        foreach (var (service, summary, _) in await ServiceCalls.AllAsync(grains, missing, (_, grain) => grain.GetSummary(), serviceFailed))
        {
            tables.RollUp.Set(service, summary);
        }
    }

    /// <summary>Touches every service in the roll-up: one that lost its activation comes back and sends what it holds.</summary>
    public Task TouchAllAsync() => ServiceCalls.AllAsync(grains, tables.RollUp.Lines.Keys.ToList(), (_, grain) => grain.GetSummary(), serviceFailed);
}
