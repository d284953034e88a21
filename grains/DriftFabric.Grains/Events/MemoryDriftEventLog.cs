using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Events;

/// <summary>
/// The embedded fabric's log: in memory, gone with the process, otherwise the same contract as
/// the Redis one (numbering, idempotent appends, retention).
/// </summary>
public sealed class MemoryDriftEventLog(TimeProvider time) : IDriftEventLog
{
    private readonly Dictionary<string, TenantLog> _tenants = new(StringComparer.Ordinal);

    public bool IsDurable => false;

    public Task<IReadOnlyList<DriftEvent>> AppendAsync(string tenant, IReadOnlyList<EventBatch> batches, EventRetention retention, CancellationToken cancellationToken = default)
    {
        var appended = new List<DriftEvent>();
        var now = time.GetUtcNow();
        lock (_tenants)
        {
            var log = Log(tenant);
            foreach (var batch in batches)
            {
                var last = log.Applied.GetValueOrDefault(batch.Service.Key, 0);
                for (var i = 0; i < batch.Transitions.Count; i++)
                {
                    var serviceSequence = batch.FirstServiceSequence + i;
                    if (serviceSequence <= last)
                    {
                        continue;
                    }

                    var t = batch.Transitions[i];
                    var e = new DriftEvent(tenant, ++log.Last, t.Type, batch.Service, t.Drift, t.At) { Remediation = t.Remediation };
                    log.Events.Enqueue((e, now));
                    log.Applied[batch.Service.Key] = serviceSequence;
                    appended.Add(e);
                }
            }

            while (log.Events.Count > retention.MaxLength)
            {
                log.Events.Dequeue();
            }
        }

        return Task.FromResult<IReadOnlyList<DriftEvent>>(appended);
    }

    public Task<EventPage> ReadAsync(string tenant, long afterSequence, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        lock (_tenants)
        {
            var log = Log(tenant);
            var first = log.Events.TryPeek(out var head) ? head.Event.Sequence : log.Last + 1;
            var events = log.Events.Where(e => e.Event.Sequence > afterSequence).Take(max).Select(e => e.Event).ToList();
            return Task.FromResult(new EventPage(events, first, log.Last));
        }
    }

    public Task TrimAsync(string tenant, EventRetention retention, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_tenants)
        {
            var log = Log(tenant);
            while (log.Events.TryPeek(out var head) && head.AppendedAt < now - retention.MaxAge)
            {
                log.Events.Dequeue();
            }
        }

        return Task.CompletedTask;
    }

    private TenantLog Log(string tenant)
    {
        if (!_tenants.TryGetValue(tenant, out var log))
        {
            log = new TenantLog();
            _tenants[tenant] = log;
        }

        return log;
    }

    private sealed class TenantLog
    {
        public Queue<(DriftEvent Event, DateTimeOffset AppendedAt)> Events { get; } = new();

        public Dictionary<string, long> Applied { get; } = new(StringComparer.Ordinal);

        public long Last { get; set; }
    }
}
