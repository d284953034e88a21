using DriftFabric.Abstractions;
using DriftFabric.Sources.Fleet;

namespace DriftFabric.Cli.Tests.Fleet;

/// <summary>A cluster's desired state as a Git repository in the fleet spec: the form, where credentials are named, what is refused.</summary>
public class GitDesiredSpecTests
{
    private static FleetSpec Parse(string desired)
    {
        using var folder = new TempDirectory();
        folder.Write("live.json", "{}");
        return FleetSpecReader.Parse(folder.PathOf("driftfabric.yaml"), $$"""
            tenants:
            - name: acme
              clusters:
              - name: prod
                desired: {{desired}}
                live: { snapshot: live.json }
            """, folder.Root);
    }

    [Fact]
    public void A_git_desired_state_names_its_url_ref_path_interval_and_where_its_credentials_are()
    {
        var spec = Parse("{ git: https://github.com/acme/fleet.git, ref: release, path: clusters/prod/, interval: 5m, tokenFile: secrets/token, username: oauth2, webhookSecretEnv: FLEET_HOOK }");

        Assert.Empty(spec.Errors);
        var cluster = spec.Tenants[0].Clusters[0];
        var git = Assert.IsType<GitDesired>(cluster.Git);
        Assert.Equal(("https://github.com/acme/fleet.git", "release", "clusters/prod", TimeSpan.FromMinutes(5)), (git.Url, git.Ref, git.Path, git.Interval));
        Assert.EndsWith("/secrets/token", git.Credentials.TokenFile, StringComparison.Ordinal);
        Assert.True(Path.IsPathRooted(git.Credentials.TokenFile));
        Assert.Equal(("oauth2", "FLEET_HOOK"), (git.Credentials.Username, git.WebhookSecretEnv));
        Assert.Equal("https://github.com/acme/fleet.git#release//clusters/prod", cluster.DesiredPath);
    }

    [Fact]
    public void Ref_defaults_to_head_and_interval_to_a_minute()
    {
        var git = Parse("{ git: \"git@github.com:acme/fleet.git\", sshKeyFile: /keys/id, knownHosts: /keys/known_hosts }").Tenants[0].Clusters[0].Git!;

        Assert.Equal(("HEAD", string.Empty, TimeSpan.FromMinutes(1)), (git.Ref, git.Path, git.Interval));
        Assert.Equal(("/keys/id", "/keys/known_hosts"), (git.Credentials.SshKeyFile, git.Credentials.KnownHostsFile));
    }

    [Theory]
    [InlineData("{ git: \"https://user:hunter2@github.com/acme/fleet.git\" }", "desired.git: must not carry credentials")]
    [InlineData("{ git: https://github.com/acme/fleet.git, tokenFile: t, tokenEnv: T }", "desired.tokenFile: give tokenFile or tokenEnv, not both")]
    [InlineData("{ git: not-a-url }", "desired.git: 'not-a-url' is not a Git URL")]
    [InlineData("{ ref: main }", "desired.git: is required")]
    [InlineData("{ git: https://github.com/acme/fleet.git, path: ../../etc }", "desired.path: '../../etc' must stay inside the repository")]
    [InlineData("{ git: https://github.com/acme/fleet.git, token: abc }", "desired.token: unknown field")]
    public void A_bad_git_desired_state_is_an_error_naming_the_field(string desired, string message)
    {
        var error = Assert.Single(Parse(desired).Errors);

        Assert.Contains("tenants[0].clusters[0]." + message, error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Line);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
