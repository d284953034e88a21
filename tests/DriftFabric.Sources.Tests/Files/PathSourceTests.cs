using DriftFabric.Sources.Files;

namespace DriftFabric.Sources.Tests.Files;

public sealed class PathSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_directory_is_read_whole_and_its_fingerprint_moves_with_an_edit_and_only_then()
    {
        _dir.Write("code/web.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        _dir.Write("code/config/cfg.yaml", Objects.DesiredConfigMap("cfg", "shop", "web"));
        var source = new PathSource(_dir.PathOf("code"));

        var before = source.Fingerprint();
        using var read = source.Read();
        var unchanged = source.Fingerprint();
        _dir.Write("code/web.yaml", Objects.DesiredDeployment("web", "shop", 3, "web:1.1"));
        var edited = source.Fingerprint();

        Assert.Empty(read.Errors);
        Assert.Equal(["ConfigMap", "Deployment"], read.Manifests.Select(m => m.Kind).Order());
        Assert.Equal(before, unchanged);
        Assert.NotEqual(before, edited);
    }

    [Fact]
    public void A_path_that_is_not_there_is_an_error_naming_it_and_not_an_empty_cluster()
    {
        var missing = _dir.PathOf("nowhere/live.json");

        using var read = new PathSource(missing).Read();

        var error = Assert.Single(read.Errors);
        Assert.Contains(missing, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("no such file or directory", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_is_polled_whole_and_has_no_stream_to_follow()
    {
        _dir.Write("live.json", Objects.List([Objects.Deployment("web", "shop", 2, "web:1", "web")]));
        await using var source = new PathSource(_dir.PathOf("live.json"));

        using var snapshot = source.ReadSnapshot();
        var listing = await source.FollowAsync(new LiveScope([("apps", "Deployment")], ["shop"]), relist: true, _ => Task.CompletedTask, _ => Task.CompletedTask);

        Assert.Equal((false, true), (source.Follows, source.Running));
        Assert.Equal("web", Assert.Single(snapshot.Manifests).Name);
        Assert.True(listing.IsUnchanged);
        Assert.Empty(listing.Objects);
    }

    [Fact]
    public void Several_paths_read_as_one_source_in_the_order_given()
    {
        _dir.Write("a.yaml", Objects.DesiredConfigMap("first", "shop", "web"));
        _dir.Write("b.yaml", Objects.DesiredConfigMap("second", "shop", "web"));

        using var read = new PathSource([_dir.PathOf("b.yaml"), _dir.PathOf("a.yaml")]).Read();

        Assert.Equal(["second", "first"], read.Manifests.Select(m => m.Name));
    }
}
