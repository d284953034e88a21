using DriftFabric.Sources.Git;

namespace DriftFabric.Sources.Tests.Git;

public sealed class GitUrlsTests
{
    [Theory]
    [InlineData("https://github.com/Acme/Fleet.git")]
    [InlineData("https://github.com/acme/fleet")]
    [InlineData("git@github.com:acme/fleet.git")]
    [InlineData("ssh://git@github.com/acme/fleet.git")]
    [InlineData("ssh://git@github.com:22/acme/fleet")]
    public void Every_url_of_one_repository_normalizes_the_same(string url) =>
        Assert.Equal("github.com/acme/fleet", GitUrls.Normalize(url));

    [Fact]
    public void A_port_that_is_not_the_default_stays_part_of_the_repository() =>
        Assert.NotEqual(GitUrls.Normalize("https://git.example:8443/fleet"), GitUrls.Normalize("https://git.example/fleet"));

    [Theory]
    [InlineData("https://github.com/acme/fleet.git#main//deploy/prod", "https://github.com/acme/fleet.git", "main", "deploy/prod")]
    [InlineData("https://github.com/acme/fleet.git", "https://github.com/acme/fleet.git", "HEAD", "")]
    [InlineData("file:///srv/git/fleet#v1.2", "file:///srv/git/fleet", "v1.2", "")]
    [InlineData("file:///srv/git/fleet//apps", "file:///srv/git/fleet", "HEAD", "apps")]
    [InlineData("git@github.com:acme/fleet.git#release//k8s", "git@github.com:acme/fleet.git", "release", "k8s")]
    public void A_cli_locator_splits_into_url_ref_and_path(string text, string url, string @ref, string path) =>
        Assert.Equal((url, @ref, path), GitUrls.ParseLocator(text));

    [Theory]
    [InlineData("main", "refs/heads/main", true)]
    [InlineData("refs/heads/main", "refs/heads/main", true)]
    [InlineData("v1", "refs/tags/v1", true)]
    [InlineData("HEAD", "refs/heads/anything", true)]
    [InlineData("main", "refs/heads/main-2", false)]
    public void A_push_moves_the_clusters_that_follow_its_ref(string followed, string pushed, bool moved) =>
        Assert.Equal(moved, GitUrls.RefMatches(followed, pushed));

    [Theory]
    [InlineData("https://example.com/fleet.git", true)]
    [InlineData("git@example.com:fleet.git", true)]
    [InlineData("file:///srv/fleet", true)]
    [InlineData("deploy/prod", false)]
    [InlineData("/abs/path", false)]
    public void A_remote_is_told_from_a_local_path(string text, bool remote) => Assert.Equal(remote, GitUrls.IsRemote(text));
}
