using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>
/// <c>check --desired URL[#ref][//path]</c>: a real repository made with the git CLI, read through
/// the fabric's Git source over <c>file://</c> and the real <c>git http-backend</c> on loopback.
/// </summary>
public sealed class GitDesiredCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly GitRepo _repo = GitRepo.Create();
    private readonly string _first;
    private readonly string _second;

    public GitDesiredCheckTests()
    {
        _repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        _first = _repo.Commit();
        _repo.Git("tag", "v1");
        _repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 3, "web:1"));
        _second = _repo.Commit();
    }

    public void Dispose()
    {
        _repo.Dispose();
        _dir.Dispose();
    }

    private string Live(int replicas) => _dir.Write("live.json", Objects.List(Objects.Deployment("web", "shop", replicas, "web:1")));

    [Fact]
    public void A_file_url_with_a_ref_and_path_is_checked_and_drifts_name_the_file_at_its_commit()
    {
        var run = CheckRunner.Check($"{_repo.FileUrl}#v1//deploy", Live(3));

        Assert.Equal(2, run.ExitCode);
        var drift = run.Drift("apps/Deployment/shop/web", "/spec/replicas");
        Assert.Equal(2, drift.GetProperty("desired").GetInt32());
        Assert.Equal($"{_repo.FileUrl}@{_first[..12]}:deploy/app.yaml", drift.GetProperty("source").GetProperty("file").GetString());
    }

    [Fact]
    public async Task An_http_remote_at_its_default_branch_is_in_sync_with_its_newest_commit()
    {
        await using var server = await GitHttpServer.StartAsync(_repo.ServedFolder);

        var run = CheckRunner.Check($"{server.UrlOf(_repo.Name)}//deploy", Live(3));

        Assert.Equal((0, 0), (run.ExitCode, run.Errors.Count));
        Assert.NotEqual(_first, _second);
    }

    [Fact]
    public void An_unreachable_remote_exits_1_with_an_error_naming_it()
    {
        var url = $"git://127.0.0.1:{LoopbackPorts.Free()}/fleet";

        var run = CheckRunner.Check(url + "#main//deploy", Live(3));

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal($"git {url}#main", error.GetProperty("source").GetString());
        Assert.StartsWith("remote unreachable", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_yaml_file_in_the_repository_exits_1_naming_it_and_the_rest_is_checked()
    {
        _repo.Write("deploy/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n");
        var commit = _repo.Commit();

        var run = CheckRunner.Check($"{_repo.FileUrl}//deploy", Live(4));

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal($"{_repo.FileUrl}@{commit[..12]}:deploy/broken.yaml", error.GetProperty("source").GetString());
        Assert.True(error.GetProperty("line").GetInt32() > 0);
        Assert.Equal(3, run.Drift("apps/Deployment/shop/web", "/spec/replicas").GetProperty("desired").GetInt32());
    }
}
