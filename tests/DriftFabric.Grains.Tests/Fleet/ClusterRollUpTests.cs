using DriftFabric.Abstractions;
using DriftFabric.Engine.Proxies;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>A cluster's roll-up as plain state: lines, the total, the summary and the source status after a load.</summary>
public sealed class ClusterRollUpTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private static readonly SourceStatus Ok = new(SourceState.Ok, Now.AddMinutes(-1), [], Now.AddHours(-1));

    private static DriftSummary Line(int resources, int high = 0) => new(resources, high > 0 ? 1 : 0, 0, high, 0, 0, 1, high > 0 ? 1 : 0);

    [Fact]
    public void The_total_follows_each_replaced_line_and_a_service_without_resources_has_no_line()
    {
        var rollUp = new ClusterRollUp();
        rollUp.Set("acme/prod/shop/web", Line(3, high: 2));
        rollUp.Set("acme/prod/shop/api", Line(2));
        rollUp.Set("acme/prod/shop/web", Line(3, high: 1));
        rollUp.Set("acme/prod/shop/api", DriftSummary.Empty);
        rollUp.Set("acme/prod/shop/gone", null);

        Assert.Equal(Line(3, high: 1), rollUp.Total);
        Assert.Equal(["acme/prod/shop/web"], rollUp.Services().Select(s => s.Service.Key));
        Assert.False(rollUp.Contains("acme/prod/shop/api"));
    }

    [Fact]
    public void A_proxy_that_cannot_be_read_or_fronts_an_undeclared_service_degrades_the_summary_and_says_why()
    {
        var rollUp = new ClusterRollUp();
        var typo = new ServiceId("acme", "prod", "shop", "wbe");
        rollUp.Set("acme/prod/shop/web", Line(3));
        rollUp.Set(typo.Key, Line(1, high: 1));
        var proxies = new Dictionary<string, ProxyStatus>(StringComparer.Ordinal)
        {
            ["edge"] = new("edge", ProxyKind.Caddy, "http://127.0.0.1:2019", ProxyState.Unreachable, "connection refused", Now, Now, "caddy/Proxy/_/edge", [], 0, null),
            ["lb"] = new("lb", ProxyKind.Haproxy, "unix:/run/haproxy.sock", ProxyState.Ok, null, Now, Now, "haproxy/Proxy/_/lb", [typo], 1, Engine.Comparison.Severity.High),
        };

        var summary = rollUp.Summary("prod", Ok, proxies, new HashSet<string>(["lb"], StringComparer.Ordinal));

        Assert.Equal(SourceState.Degraded, summary.Status.State);
        Assert.Equal(["proxy edge: connection refused", "proxy lb fronts shop/wbe, which the cluster does not declare"], summary.Status.Errors);
        Assert.Equal(4, summary.Summary.Resources);
    }

    [Theory]
    [InlineData(true, true, false, false, false, SourceState.Ok)]
    [InlineData(true, true, true, false, false, SourceState.Degraded)]
    [InlineData(true, false, false, true, false, SourceState.Unreachable)]
    [InlineData(false, false, false, false, false, SourceState.Failed)]
    [InlineData(false, true, false, false, false, SourceState.Degraded)]
    [InlineData(false, true, false, false, true, SourceState.Failed)]
    public void The_status_after_a_load_says_what_could_be_read_and_used(bool desired, bool live, bool sendFailed, bool unreachable, bool knowsNothing, SourceState expected)
    {
        var load = new ClusterLoad { DesiredUsable = desired, LiveUsable = live, SendFailed = sendFailed, LiveUnreachable = unreachable };

        Assert.Equal(expected, ClusterRollUp.StatusAfter(Ok, load, knowsNothing, Now).State);
    }

    [Fact]
    public void An_unchanged_status_keeps_its_since_and_takes_the_new_load_time()
    {
        var after = ClusterRollUp.StatusAfter(Ok, new ClusterLoad(), knowsNothing: false, Now);
        var failed = new ClusterLoad { DesiredUsable = false, LiveUsable = false };
        failed.Errors.Add("desired: no such directory");
        var broken = ClusterRollUp.StatusAfter(Ok, failed, knowsNothing: false, Now);

        Assert.Equal(Ok with { LoadedAt = Now }, after);
        Assert.Equal(new SourceStatus(SourceState.Failed, Now, ["desired: no such directory"], Now), broken);
    }

    [Fact]
    public void A_stream_that_fails_makes_the_cluster_unreachable_from_its_first_report_until_it_is_well()
    {
        var down = ClusterRollUp.StatusAfterStream(Ok, "deployments.apps in shop: HTTP 500", Now);
        var stillDown = ClusterRollUp.StatusAfterStream(down, "deployments.apps in shop: HTTP 503", Now.AddMinutes(1));
        var back = ClusterRollUp.StatusAfterStream(stillDown, null, Now.AddMinutes(2));

        Assert.Equal((SourceState.Unreachable, (DateTimeOffset?)Now), (down.State, down.Since));
        Assert.Equal((SourceState.Unreachable, (DateTimeOffset?)Now, "deployments.apps in shop: HTTP 503"), (stillDown.State, stillDown.Since, stillDown.Errors.Single()));
        Assert.Equal((SourceState.Ok, (DateTimeOffset?)Now.AddMinutes(2)), (back.State, back.Since));
        Assert.Same(Ok, ClusterRollUp.StatusAfterStream(Ok, null, Now));
    }
}
