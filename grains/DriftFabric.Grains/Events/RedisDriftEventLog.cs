using System.Globalization;
using DriftFabric.Abstractions;
using StackExchange.Redis;

namespace DriftFabric.Grains.Events;

/// <summary>
/// The durable log: one Redis stream per tenant, entry IDs <c>&lt;sequence&gt;-0</c>, so a consumer
/// resumes with <c>XRANGE key (N-0 +</c> and any Redis client can read it. Beside the stream, a
/// counter holds the last sequence and a hash the last service sequence logged per service; one
/// Lua script appends a batch atomically and skips what a service re-sends.
/// </summary>
public sealed class RedisDriftEventLog(IConnectionMultiplexer redis, string prefix) : IDriftEventLog
{
    // KEYS: stream, applied (hash service -> last service sequence), counter.
    // ARGV: maxlen, now (ms), then per event: service, service sequence, body.
    // Returns, per appended event, the index of its triple and the sequence it was given.
    private const string AppendScript = """
        local seq = tonumber(redis.call('GET', KEYS[3]) or '0')
        local out = {}
        for i = 3, #ARGV, 3 do
          local service = ARGV[i]
          local s = tonumber(ARGV[i + 1])
          local last = tonumber(redis.call('HGET', KEYS[2], service) or '0')
          if s > last then
            seq = seq + 1
            redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[1], seq .. '-0', 'e', ARGV[i + 2], 't', ARGV[2])
            redis.call('HSET', KEYS[2], service, s)
            out[#out + 1] = (i - 3) / 3
            out[#out + 1] = seq
          end
        end
        redis.call('SET', KEYS[3], seq)
        return out
        """;

    private const int TrimPage = 256;

    public bool IsDurable => true;

    /// <summary>The Redis key of a tenant's stream (hash-tagged with the tenant, so all its keys share a slot).</summary>
    public string StreamKey(string tenant) => $"{prefix}{{{tenant}}}:events";

    private string AppliedKey(string tenant) => $"{prefix}{{{tenant}}}:applied";

    private string CounterKey(string tenant) => $"{prefix}{{{tenant}}}:seq";

    public async Task<IReadOnlyList<DriftEvent>> AppendAsync(string tenant, IReadOnlyList<EventBatch> batches, EventRetention retention, CancellationToken cancellationToken = default)
    {
        var events = new List<(ServiceId Service, long ServiceSequence, DriftTransition Transition)>();
        foreach (var batch in batches)
        {
            for (var i = 0; i < batch.Transitions.Count; i++)
            {
                events.Add((batch.Service, batch.FirstServiceSequence + i, batch.Transitions[i]));
            }
        }

        if (events.Count == 0)
        {
            return [];
        }

        var args = new RedisValue[2 + (events.Count * 3)];
        args[0] = retention.MaxLength;
        args[1] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < events.Count; i++)
        {
            args[2 + (i * 3)] = events[i].Service.Key;
            args[3 + (i * 3)] = events[i].ServiceSequence;
            args[4 + (i * 3)] = DriftEventJson.Encode(events[i].Service, events[i].Transition);
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            AppendScript, [StreamKey(tenant), AppliedKey(tenant), CounterKey(tenant)], args))!;
        var appended = new List<DriftEvent>(result.Length / 2);
        for (var i = 0; i < result.Length; i += 2)
        {
            var (service, _, t) = events[(int)result[i]];
            appended.Add(new DriftEvent(tenant, (long)result[i + 1], t.Type, service, t.Drift, t.At) { Remediation = t.Remediation });
        }

        return appended;
    }

    public async Task<EventPage> ReadAsync(string tenant, long afterSequence, int max, CancellationToken cancellationToken = default)
    {
        // Redis refuses an XRANGE from a negative ID, and no ID follows long.MaxValue: neither is sent.
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        var db = redis.GetDatabase();
        var key = StreamKey(tenant);
        var entries = afterSequence < long.MaxValue
            ? db.StreamRangeAsync(key, $"{afterSequence + 1}-0", "+", max)
            : Task.FromResult(Array.Empty<StreamEntry>());
        var head = db.StreamRangeAsync(key, "-", "+", 1);
        var last = db.StringGetAsync(CounterKey(tenant));
        await Task.WhenAll(entries, head, last);

        var lastSequence = (long?)await last ?? 0;
        var events = new List<DriftEvent>();
        foreach (var entry in await entries)
        {
            events.Add(DriftEventJson.Decode(tenant, SequenceOf(entry.Id), (byte[])entry["e"]!));
        }

        var first = (await head) is [var oldest] ? SequenceOf(oldest.Id) : lastSequence + 1;
        return new EventPage(events, first, lastSequence);
    }

    public async Task TrimAsync(string tenant, EventRetention retention, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var key = StreamKey(tenant);
        var cutoff = (now - retention.MaxAge).ToUnixTimeMilliseconds();
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await db.StreamRangeAsync(key, "-", "+", TrimPage);
            var firstKept = Array.FindIndex(page, e => (long)e["t"] >= cutoff);
            var keepFrom = firstKept switch
            {
                0 => (long?)null,
                -1 when page.Length == 0 => null,
                -1 => SequenceOf(page[^1].Id) + 1,
                _ => SequenceOf(page[firstKept].Id),
            };
            if (keepFrom is not { } minimum)
            {
                return;
            }

            await db.ExecuteAsync("XTRIM", key, "MINID", $"{minimum}-0");
            if (firstKept >= 0 || page.Length < TrimPage)
            {
                return;
            }
        }
    }

    private static long SequenceOf(RedisValue id)
    {
        var text = (string)id!;
        return long.Parse(text.AsSpan(0, text.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
