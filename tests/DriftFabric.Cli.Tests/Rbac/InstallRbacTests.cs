using DriftFabric.Cli.Commands;
using DriftFabric.Cli.Rbac;

namespace DriftFabric.Cli.Tests.Rbac;

/// <summary>
/// The install's committed RBAC (<c>deploy/kubernetes/base/rbac.yaml</c> and the remediation
/// component's <c>rbac.yaml</c>) is exactly what <c>driftfabric rbac</c> makes of the install's
/// fleet (<c>deploy/kubernetes/base/fleet.yaml</c>), so the two cannot drift apart. GitHub is not
/// reachable here: the fleet's repository is stood in for by a local one holding the same Online
/// Boutique Kustomize base (tests/TestData/kustomize, copied from that repository at that commit)
/// at the same path. Run with <c>DRIFTFABRIC_WRITE_RBAC=1</c> to write the files instead.
/// </summary>
public sealed class InstallRbacTests : IDisposable
{
    private const string PublishedRepository = "https://github.com/GoogleCloudPlatform/microservices-demo.git";
    private const string PublishedCommit = "34ffea9175946982c3088ed84994fe6019ad6e92";

    private readonly GitRepo _repo = GitRepo.Create("microservices-demo");
    private readonly TempDirectory _dir = new("driftfabric-install-rbac-");

    public void Dispose()
    {
        _repo.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("deploy/kubernetes/base/rbac.yaml", false)]
    [InlineData("deploy/kubernetes/components/remediation/rbac.yaml", true)]
    public void The_committed_rbac_is_what_the_generator_makes_of_the_install_fleet(string committed, bool remediation)
    {
        var (part, flag) = remediation ? (RbacPart.Remediation, " --remediation-only") : (RbacPart.Read, string.Empty);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(KustomizeLayouts.OnlineBoutique, "base")))
        {
            _repo.Write("kustomize/base/" + Path.GetFileName(file), File.ReadAllText(file));
        }

        var commit = _repo.Commit("Online Boutique's kustomize/base");
        var fleetText = File.ReadAllText(RepositoryRoot.Combine("deploy", "kubernetes", "base", "fleet.yaml"));
        Assert.Contains(PublishedRepository, fleetText, StringComparison.Ordinal);
        Assert.Contains(PublishedCommit, fleetText, StringComparison.Ordinal);
        var fleet = _dir.Write("fleet.yaml", fleetText.Replace(PublishedRepository, _repo.FileUrl, StringComparison.Ordinal).Replace(PublishedCommit, commit, StringComparison.Ordinal));

        var (yaml, problems) = RbacCommand.Generate(new RbacOptions(fleet, part, "driftfabric", "driftfabric", []), "driftfabric rbac --fleet deploy/kubernetes/base/fleet.yaml" + flag);

        Assert.Empty(problems);
        if (Environment.GetEnvironmentVariable("DRIFTFABRIC_WRITE_RBAC") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(RepositoryRoot.Combine(committed))!);
            File.WriteAllText(RepositoryRoot.Combine(committed), yaml);
        }

        Assert.True(File.Exists(RepositoryRoot.Combine(committed)), $"{committed} is missing: run this test with DRIFTFABRIC_WRITE_RBAC=1");
        Assert.Equal(yaml, File.ReadAllText(RepositoryRoot.Combine(committed)));
    }
}
