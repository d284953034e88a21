using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// The Redis-backed fabric under faults, with real processes: redis-server and silo processes on
/// loopback, killed and restarted the way production loses them.
/// </summary>
public sealed class FabricFaultTests
{
    [Fact]
    public async Task A_silo_killed_mid_stream_loses_no_watch_no_event_and_no_state()
    {
        await using var rig = await FabricRig.StartAsync(clusters: 4, silos: 3);
        await AllWatchedAsync(rig);

        // A consumer follows the log from the start while changes stream in.
        var consumed = new List<DriftEvent>();
        var consumerErrors = 0;
        using var stopConsumer = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in rig.Client.ReadEventsAsync(FabricRig.Tenant, 0, _ => Interlocked.Increment(ref consumerErrors), stopConsumer.Token))
                {
                    lock (consumed)
                    {
                        consumed.Add(e);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // The victim is the silo watching the most clusters.
        var hosts = await Task.WhenAll(Enumerable.Range(0, rig.Apis.Count).Select(rig.HostOfAsync));
        var victim = hosts.GroupBy(h => h).OrderByDescending(g => g.Count()).First().Key;
        var random = new Random(7);
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var step = 0; step < 60; step++)
        {
            if (step == 20)
            {
                await victim.KillHardAsync();
            }

            var (cluster, deployment) = (random.Next(rig.Apis.Count), random.Next(FabricRig.Deployments));
            var replicas = random.Next(3) == 0 ? 2 : random.Next(3, 9);
            rig.Scale(cluster, deployment, replicas);
            expected[FabricRig.ServiceKey(cluster, deployment)] = replicas;
            await Task.Delay(100);
        }

        // Every cluster is watched again on a survivor, and every service holds what is live.
        var drifted = expected.Where(e => e.Value != 2).ToDictionary(e => e.Key, e => e.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
        await FabricRig.EventuallyAsync(
            async () => (await rig.DriftsAsync()).OrderBy(d => d.Key, StringComparer.Ordinal).SequenceEqual(drifted.OrderBy(d => d.Key, StringComparer.Ordinal)),
            async () => $"drifts {string.Join(", ", await rig.DriftsAsync())}; expected {string.Join(", ", drifted)}; silos {await rig.MembershipAsync()}");

        // A send that failed against the dead silo leaves its cluster degraded until the retry
        // that follows (next poll); the services may already hold what is live by then.
        await AllWatchedAsync(rig);
        foreach (var i in Enumerable.Range(0, rig.Apis.Count))
        {
            Assert.NotSame(victim, await rig.HostOfAsync(i));
            Assert.Equal(SourceState.Ok, (await rig.ClusterGrain(i).GetSummary()).Status.State);
        }

        // The consumer that lived through the kill, and a new one resuming from its cursor halfway,
        // both see 1..N once each, and replaying the log gives exactly the drifts that are open now.
        // (Services send to the log in the background: wait until what the consumer saw adds up.)
        await FabricRig.EventuallyAsync(
            () => Task.FromResult(Snapshot(consumed) is var seen && SameDrifts(Replay(seen), drifted)),
            () => Task.FromResult($"consumer has {Count(consumed)} events; replayed {string.Join(", ", Replay(Snapshot(consumed)))}"));
        await stopConsumer.CancelAsync();
        await consumer;
        var last = (await rig.Client.GetGrain<ITenantGrain>(FabricRig.Tenant).ReadEvents(long.MaxValue - 1, 1, TimeSpan.Zero)).Last;
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), consumed.Select(e => e.Sequence));

        var cursor = last / 2;
        var resumed = await rig.ReadLogAsync(cursor);
        Assert.Equal(consumed.Skip((int)cursor).Select(e => (e.Sequence, e.Type, e.Drift.Id, e.Drift.Live)), resumed.Select(e => (e.Sequence, e.Type, e.Drift.Id, e.Drift.Live)));

        var open = Replay(consumed);
        Assert.Equal(drifted.Keys.Order(StringComparer.Ordinal), open.Keys.Order(StringComparer.Ordinal));
        Assert.All(drifted, d => Assert.Equal(d.Value, open[d.Key]));
    }

    [Fact]
    public async Task Redis_restarted_under_running_silos_is_reported_unhealthy_then_carried_on_from()
    {
        await using var rig = await FabricRig.StartAsync(clusters: 2, silos: 3);
        await AllWatchedAsync(rig);
        rig.Scale(0, 0, 5);
        await FabricRig.EventuallyAsync(async () => (await rig.DriftsAsync()).Count == 1, async () => string.Join(", ", await rig.DriftsAsync()));

        using var http = new HttpClient { BaseAddress = rig.Silos[0].ApiUri, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        await rig.Redis.StopAsync();
        await rig.Silos[0].WaitForLineAsync("health: redis unhealthy");

        // The health endpoints say so too: not ready, naming Redis.
        using (var ready = await http.GetAsync("/readyz"))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var report = System.Text.Json.Nodes.JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
            Assert.Contains(report["components"]!.AsArray(), c => (string?)c!["component"] == "redis" && (bool?)c["healthy"] == false);
        }

        // A change made while Redis is down is not dropped: it is judged once Redis is back.
        rig.Scale(1, 1, 7);
        await Task.Delay(2000);
        await rig.Redis.StartAgainAsync();
        await rig.Silos[0].WaitForLineAsync("health: redis ok");
        await FabricRig.EventuallyAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, () => Task.FromResult("readyz stays 503 after Redis is back"));

        await FabricRig.EventuallyAsync(
            async () => (await rig.DriftsAsync()) is { Count: 2 } drifts && drifts[FabricRig.ServiceKey(1, 1)] == "7",
            async () => string.Join(", ", await rig.DriftsAsync()));
        string[] opened = ["acme/c0/shop/web-0", "acme/c1/shop/web-1"];
        await FabricRig.EventuallyAsync(
            async () => (await rig.ReadLogAsync(0)).Count(e => e.Type == DriftEventType.Opened) >= opened.Length,
            async () => string.Join(", ", (await rig.ReadLogAsync(0)).Select(e => $"{e.Sequence} {e.Type} {e.Service.Key}")));
        var events = await rig.ReadLogAsync(0);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(opened, events.Where(e => e.Type == DriftEventType.Opened).Select(e => e.Service.Key));
        Assert.All(rig.Silos, s => Assert.False(s.HasExited));
    }

    [Fact]
    public async Task A_silo_added_to_a_running_fabric_takes_its_share_of_the_clusters()
    {
        await using var rig = await FabricRig.StartAsync(clusters: 12, silos: 2);
        await AllWatchedAsync(rig);

        var added = await rig.AddSiloAsync();

        // Each cluster ends on the silo that rendezvous hashing gives it among the three, watched once.
        var silos = await rig.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(3, silos.Count);
        var owners = Enumerable.Range(0, rig.Apis.Count).Select(i => WatchOwners.Owner($"{FabricRig.Tenant}/{FabricRig.Cluster(i)}", silos.Keys)).ToList();
        await FabricRig.EventuallyAsync(
            async () =>
            {
                for (var i = 0; i < rig.Apis.Count; i++)
                {
                    if (await rig.ClusterGrain(i).GetSilo() != owners[i].ToString())
                    {
                        return false;
                    }
                }

                return true;
            },
            async () => string.Join(", ", await Task.WhenAll(Enumerable.Range(0, rig.Apis.Count).Select(i => rig.ClusterGrain(i).GetSilo()))) + " expected " + string.Join(", ", owners));
        await AllWatchedAsync(rig);

        // A change on a cluster that moved is still seen. (With 12 clusters the new silo owns at
        // least one but for 1 time in 130; then nothing moves, which is also what the hash says.)
        var moved = owners.FindIndex(o => o.Endpoint.Port == added.SiloPort);
        moved = moved < 0 ? 0 : moved;
        rig.Scale(moved, 2, 4);
        await FabricRig.EventuallyAsync(
            async () => (await rig.DriftsAsync()).GetValueOrDefault(FabricRig.ServiceKey(moved, 2)) == "4",
            async () => string.Join(", ", await rig.DriftsAsync()));
    }

    private static List<DriftEvent> Snapshot(List<DriftEvent> events)
    {
        lock (events)
        {
            return [.. events];
        }
    }

    private static bool SameDrifts(Dictionary<string, string> open, Dictionary<string, string> expected) =>
        open.Count == expected.Count && expected.All(e => open.GetValueOrDefault(e.Key) == e.Value);

    private static int Count(List<DriftEvent> events)
    {
        lock (events)
        {
            return events.Count;
        }
    }

    /// <summary>Every cluster reports its sources ok and all its services.</summary>
    private static Task AllWatchedAsync(FabricRig rig) => FabricRig.EventuallyAsync(
        async () =>
        {
            for (var i = 0; i < rig.Apis.Count; i++)
            {
                var summary = await rig.ClusterGrain(i).GetSummary();
                if (summary.Status.State != SourceState.Ok || summary.Summary.Services != FabricRig.Deployments || rig.Apis[i].OpenWatches == 0)
                {
                    return false;
                }
            }

            return true;
        },
        async () => string.Join("; ", await Task.WhenAll(Enumerable.Range(0, rig.Apis.Count).Select(async i => $"{await rig.ClusterGrain(i).GetSummary()} watches {rig.Apis[i].OpenWatches}"))));

    /// <summary>
    /// The open drifts a consumer knows from the log alone: opened, then changed any number of
    /// times, then resolved, per drift. A lost or duplicated event breaks the alternation.
    /// </summary>
    private static Dictionary<string, string> Replay(IEnumerable<DriftEvent> events)
    {
        var open = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var key = e.Service.Key;
            switch (e.Type)
            {
                case DriftEventType.Opened:
                    Assert.False(open.ContainsKey(key), $"event {e.Sequence} opens {key}, which is already open");
                    open[key] = e.Drift.Live!;
                    break;
                case DriftEventType.Changed:
                    Assert.True(open.ContainsKey(key), $"event {e.Sequence} changes {key}, which is not open");
                    open[key] = e.Drift.Live!;
                    break;
                case DriftEventType.Resolved:
                    Assert.True(open.Remove(key), $"event {e.Sequence} resolves {key}, which is not open");
                    break;
            }
        }

        return open;
    }
}
