using DriftFabric.Abstractions;
using DriftFabric.Grains.Events;
using DriftFabric.Testing;
using StackExchange.Redis;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Tests.Events;

/// <summary>A real redis-server for the log tests of one class.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(Server.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>The event log contract, held by both logs: the Redis one and the embedded one in memory.</summary>
public sealed class EventLogTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    public static TheoryData<string> Logs => ["redis", "memory"];

    private IDriftEventLog Log(string kind) => kind == "redis"
        ? new RedisDriftEventLog(redis.Connection, "test:")
        : new MemoryDriftEventLog(TimeProvider.System);

    private static readonly EventRetention Keep = new(1000, TimeSpan.FromDays(1));

    private static ServiceId Service(string name) => new("t", "c", "ns", name);

    private static DriftTransition Transition(string path, DriftEventType type = DriftEventType.Opened) => new(
        type,
        new DriftRecord("apps/Deployment/ns/web", path, DriftKind.Modified, Severity.High, "2", "5", "kubectl-edit", null, DateTimeOffset.UnixEpoch, "web.yaml:3"),
        DateTimeOffset.UnixEpoch.AddSeconds(1));

    [Theory, MemberData(nameof(Logs))]
    public async Task Appends_are_numbered_in_order_and_read_back_after_a_cursor(string kind)
    {
        var log = Log(kind);
        var tenant = "numbered-" + Guid.NewGuid().ToString("N");
        var appended = await log.AppendAsync(tenant, [
            new EventBatch(Service("a"), 1, [Transition("/spec/replicas"), Transition("/spec/paused")]),
            new EventBatch(Service("b"), 1, [Transition("/data/key")]),
        ], Keep);

        Assert.Equal([1L, 2, 3], appended.Select(e => e.Sequence));
        Assert.Equal(["a", "a", "b"], appended.Select(e => e.Service.Name));

        var page = await log.ReadAsync(tenant, 1, 10);
        Assert.Equal([2L, 3], page.Events.Select(e => e.Sequence));
        Assert.Equal(3, page.Last);
        Assert.Equal(1, page.FirstAvailable);
        var second = page.Events[0];
        Assert.Equal(tenant, second.Tenant);
        Assert.Equal(appended[1].Drift, second.Drift);
        Assert.Equal(appended[1].At, second.At);
        Assert.Equal(DriftEventType.Opened, second.Type);
    }

    [Theory, MemberData(nameof(Logs))]
    public async Task A_service_re_sending_what_the_log_holds_is_not_logged_twice(string kind)
    {
        var log = Log(kind);
        var tenant = "resend-" + Guid.NewGuid().ToString("N");
        await log.AppendAsync(tenant, [new EventBatch(Service("a"), 1, [Transition("/x"), Transition("/y")])], Keep);

        // The service's silo died before it saw the confirmation: it sends 1..2 again, with 3 new.
        var again = await log.AppendAsync(tenant, [new EventBatch(Service("a"), 1, [Transition("/x"), Transition("/y"), Transition("/z")])], Keep);

        var only = Assert.Single(again);
        Assert.Equal(3, only.Sequence);
        Assert.Equal("/z", only.Drift.Path);
        Assert.Equal(["/x", "/y", "/z"], (await log.ReadAsync(tenant, 0, 10)).Events.Select(e => e.Drift.Path));
    }

    [Theory, MemberData(nameof(Logs))]
    public async Task Retention_by_length_and_by_age_trims_the_oldest_and_says_where_the_log_starts(string kind)
    {
        var log = Log(kind);
        var tenant = "retention-" + Guid.NewGuid().ToString("N");
        var shortLog = new EventRetention(5, TimeSpan.FromDays(1));
        for (var i = 1; i <= 12; i++)
        {
            await log.AppendAsync(tenant, [new EventBatch(Service("a"), i, [Transition("/p" + i)])], shortLog);
        }

        var page = await log.ReadAsync(tenant, 0, 100);
        Assert.Equal([8L, 9, 10, 11, 12], page.Events.Select(e => e.Sequence));
        Assert.Equal(8, page.FirstAvailable);
        Assert.Equal(12, page.Last);

        await log.TrimAsync(tenant, shortLog, DateTimeOffset.UtcNow.AddDays(2));
        var empty = await log.ReadAsync(tenant, 0, 100);
        Assert.Empty(empty.Events);
        Assert.Equal(13, empty.FirstAvailable);
        Assert.Equal(12, empty.Last);

        // Numbering goes on after everything was trimmed.
        var next = await log.AppendAsync(tenant, [new EventBatch(Service("a"), 13, [Transition("/p13")])], shortLog);
        Assert.Equal(13, Assert.Single(next).Sequence);
    }

    [Theory, MemberData(nameof(Logs))]
    public async Task A_cursor_below_zero_is_refused_before_the_log_is_read_and_nothing_follows_the_largest(string kind)
    {
        var log = Log(kind);
        var tenant = "cursor-" + Guid.NewGuid().ToString("N");
        await log.AppendAsync(tenant, [new EventBatch(Service("a"), 1, [Transition("/a"), Transition("/b")])], Keep);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.ReadAsync(tenant, -5, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.ReadAsync(tenant, -1, 10));
        var beyond = await log.ReadAsync(tenant, long.MaxValue, 10);

        Assert.Empty(beyond.Events);
        Assert.Equal(2, beyond.Last);
    }

    [Theory, MemberData(nameof(Logs))]
    public async Task Trimming_by_age_keeps_young_events(string kind)
    {
        var log = Log(kind);
        var tenant = "young-" + Guid.NewGuid().ToString("N");
        await log.AppendAsync(tenant, [new EventBatch(Service("a"), 1, [Transition("/a"), Transition("/b")])], Keep);

        await log.TrimAsync(tenant, new EventRetention(1000, TimeSpan.FromHours(1)), DateTimeOffset.UtcNow);

        Assert.Equal(2, (await log.ReadAsync(tenant, 0, 10)).Events.Count);
    }

    [Fact]
    public async Task The_redis_log_is_plain_json_that_any_client_reads_with_the_sequence_as_entry_id()
    {
        var log = new RedisDriftEventLog(redis.Connection, "test:");
        var tenant = "plain-" + Guid.NewGuid().ToString("N");
        await log.AppendAsync(tenant, [new EventBatch(Service("a"), 1, [Transition("/spec/replicas")])], Keep);

        var entry = Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync(log.StreamKey(tenant)));
        Assert.Equal("1-0", entry.Id.ToString());
        var body = (string)entry["e"]!;
        Assert.Contains("\"type\":\"opened\"", body, StringComparison.Ordinal);
        Assert.Contains("\"service\":\"t/c/ns/a\"", body, StringComparison.Ordinal);
        Assert.Contains("\"path\":\"/spec/replicas\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_entry_is_a_clear_error_naming_tenant_and_sequence()
    {
        var log = new RedisDriftEventLog(redis.Connection, "test:");
        var tenant = "broken-" + Guid.NewGuid().ToString("N");
        await redis.Connection.GetDatabase().StreamAddAsync(log.StreamKey(tenant), [new NameValueEntry("e", "{not json"), new NameValueEntry("t", 0)], "1-0");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => log.ReadAsync(tenant, 0, 10));

        Assert.Contains($"event 1 of tenant {tenant}", error.Message, StringComparison.Ordinal);
    }
}
