using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;
using DriftFabric.Sources;
using DriftFabric.Sources.Files;

namespace DriftFabric.Grains.Tests.Fleet;

public sealed class ClusterSourceSetTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CountingFactory _factory = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sources_are_made_once_and_again_only_when_the_configuration_names_other_sources()
    {
        var set = new ClusterSourceSet(_factory, SecretDigest.Sha256);
        var config = Config("code", "live.json");

        var (desired, live) = await set.ForAsync(config);
        var same = await set.ForAsync(config with { ServiceLabels = ["app"], PollInterval = TimeSpan.FromSeconds(5) });
        var moved = await set.ForAsync(config with { LivePath = _dir.PathOf("other.json") });

        Assert.Same(desired, same.Desired);
        Assert.Same(live, same.Live);
        Assert.NotSame(live, moved.Live);
        Assert.Equal(2, _factory.Made);
        Assert.Same(moved.Live, set.Live);
    }

    [Fact]
    public async Task The_fingerprint_moves_when_either_source_is_edited()
    {
        _dir.Write("code/app.yaml", Objects.DesiredConfigMap("cfg", "shop", "web"));
        _dir.Write("live.json", Objects.List([Objects.ConfigMap("cfg", "shop", "web")]));
        var (desired, live) = await new ClusterSourceSet(_factory, SecretDigest.Sha256).ForAsync(Config("code", "live.json"));

        var before = ClusterSourceSet.Fingerprint(desired, live);
        _dir.Write("live.json", Objects.List([Objects.ConfigMap("cfg", "shop", "web"), Objects.ConfigMap("more", "shop", "web")]));
        var liveEdited = ClusterSourceSet.Fingerprint(desired, live);
        _dir.Write("code/app.yaml", Objects.DesiredConfigMap("cfg2", "shop", "web"));
        var codeEdited = ClusterSourceSet.Fingerprint(desired, live);

        Assert.Equal(3, new[] { before, liveEdited, codeEdited }.Distinct().Count());
    }

    private ClusterConfig Config(string desired, string live) =>
        new("t", "prod", _dir.PathOf(desired), _dir.PathOf(live), "default", ["app.kubernetes.io/name"], PolicySource.Default, TimeSpan.FromMinutes(1));

    /// <summary>The files the configuration names, counting how often live sources are made.</summary>
    private sealed class CountingFactory : IClusterSourceFactory
    {
        public int Made { get; private set; }

        public IDesiredSource Desired(ClusterConfig config) => new PathSource(config.DesiredPath);

        public ILiveSource Live(ClusterConfig config)
        {
            Made++;
            return new PathSource(config.LivePath);
        }
    }
}
