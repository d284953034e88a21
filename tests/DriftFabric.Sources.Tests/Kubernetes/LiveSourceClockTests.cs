using DriftFabric.Sources.Kubernetes;
using k8s;
using Microsoft.Extensions.Time.Testing;

namespace DriftFabric.Sources.Tests.Kubernetes;

/// <summary>The watch's request budget and its backoff run on the clock it is given: asserted exactly, without waiting.</summary>
public sealed class LiveSourceClockTests : IAsyncLifetime
{
    private static readonly KubeTarget InA = new(string.Empty, "v1", "ConfigMap", "configmaps", true, "a");
    private static readonly KubeTarget InB = InA with { Namespace = "b" };

    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _log = new();
    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _server.BookmarkInterval = TimeSpan.FromMilliseconds(100);
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.BaseUri.ToString() });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_request_beyond_the_burst_waits_until_the_clock_gives_the_budget_back()
    {
        await using var source = new KubernetesLiveSource(_client, [InA, InB], new LiveSourceOptions(Qps: 1, Burst: 1) { Time = _time }, _log);

        var listing = source.SyncAllAsync(CancellationToken.None);
        await Eventually.ReachAsync(() => source.Waiting, waiting => waiting == 1);
        var listsBefore = Lists();
        var waitedForTheClock = !listing.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(1));
        await listing;

        Assert.Equal(1, listsBefore);
        Assert.True(waitedForTheClock);
        Assert.Equal(2, Lists());
    }

    [Fact]
    public async Task A_failing_watch_backs_off_doubling_on_the_clock_up_to_its_cap_and_says_when_it_is_well()
    {
        // Hours: on the real clock the second attempt would never come within the test.
        var options = new LiveSourceOptions { Time = _time, MinBackoff = TimeSpan.FromHours(1), MaxBackoff = TimeSpan.FromHours(3) };
        var health = new List<string?>();
        await using var source = new KubernetesLiveSource(_client, [InA], options, _log);
        await source.SyncAllAsync(CancellationToken.None);
        _server.FailNextRequests(int.MaxValue);
        source.StartWatching(_ => Task.CompletedTask, problem =>
        {
            lock (health)
            {
                health.Add(problem);
            }

            return Task.CompletedTask;
        });

        var hours = new List<double>();
        foreach (var expected in new[] { 1.0, 2.0, 3.0, 3.0 })
        {
            var backoffs = await Eventually.ReachAsync(() => Backoffs(), b => b.Count == hours.Count + 1);
            hours.Add(backoffs[^1].TotalHours);
            Assert.Equal(expected, hours[^1]);
            // The jitter keeps a wait within 0.75 to 1.25 of the backoff.
            _time.Advance(backoffs[^1] * 1.25);
        }

        _server.FailNextRequests(0);
        _time.Advance(TimeSpan.FromHours(3.75));
        await Eventually.ReachAsync(() => { lock (health) { return health.LastOrDefault("failing"); } }, last => last is null);

        Assert.Equal([1.0, 2.0, 3.0, 3.0], hours);
        Assert.Matches(@"^configmaps in a: http://127\.0\.0\.1:\d+ answered 500", health[0]);
    }

    private List<TimeSpan> Backoffs() => _log.Values<TimeSpan>(LogEvents.WatchFailed, "Backoff");

    private int Lists() => _server.RequestLog.Count(r => r.Request.Contains("/api/v1/namespaces/", StringComparison.Ordinal) && !r.Request.Contains("watch=true", StringComparison.Ordinal));
}
