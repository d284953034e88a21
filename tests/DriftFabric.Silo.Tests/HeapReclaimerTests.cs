namespace DriftFabric.Silo.Tests;

public sealed class HeapReclaimerTests
{
    private const long Mb = 1 << 20;
    private static readonly long Slack = HeapReclaimOptions.Default.Slack;

    [Theory]
    [InlineData(100, 1000, 50, true)]     // after a burst of bad input: ten times the floor
    [InlineData(100, 1000, 900, false)]   // during the burst: its garbage is still being made
    [InlineData(100, 229, 50, true)]      // more than the slack above a small floor
    [InlineData(100, 220, 50, false)]     // the churn of an idle silo stays within the slack
    [InlineData(1000, 1400, 50, false)]   // a large fleet's heap may move by half its size
    [InlineData(1000, 1600, 50, true)]
    [InlineData(-1, 5000, 0, false)]      // no floor yet: the first look sets it
    public void A_heap_is_reclaimed_once_quiet_when_it_grew_by_half_its_floor_and_more_than_the_slack(long floorMb, long committedMb, long allocatedMb, bool reclaim)
    {
        Assert.Equal(reclaim, HeapReclaimer.ShouldReclaim(committedMb * Mb, floorMb < 0 ? -1 : floorMb * Mb, allocatedMb * Mb, Slack));
    }
}
