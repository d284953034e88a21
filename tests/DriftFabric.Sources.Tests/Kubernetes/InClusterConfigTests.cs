using DriftFabric.Sources.Kubernetes;
using DriftFabric.Testing;
using k8s.Exceptions;

namespace DriftFabric.Sources.Tests.Kubernetes;

/// <summary>In-cluster configuration from a service-account folder of the settings, and what is wrong when it cannot be made.</summary>
public sealed class InClusterConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new("driftfabric-sa-");
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose()
    {
        _dir.Dispose();
        _certificates.Dispose();
    }

    private KubeClientFactory Factory(string? host = "10.96.0.1", string? port = "443") =>
        new(new KubernetesOptions { ServiceAccountDirectory = _dir.Root }, name => name switch
        {
            KubeClientFactory.ServiceHostVariable => host,
            KubeClientFactory.ServicePortVariable => port,
            _ => null,
        });

    [Fact]
    public async Task It_is_https_to_the_service_address_trusting_the_folder_ca_with_the_token_read_at_each_request()
    {
        _dir.Write("token", "first-token\n");
        _dir.Write("ca.crt", _certificates.AuthorityPem);
        _dir.Write("namespace", "driftfabric");

        var config = Factory().InClusterConfig();
        var first = await config.TokenProvider.GetAuthenticationHeaderAsync(CancellationToken.None);
        _dir.Write("token", "rotated-token");
        var second = await config.TokenProvider.GetAuthenticationHeaderAsync(CancellationToken.None);

        Assert.Equal("https://10.96.0.1/", config.Host);
        Assert.Equal(_certificates.Authority.Thumbprint, Assert.Single(config.SslCaCerts).Thumbprint);
        Assert.Equal("driftfabric", config.Namespace);
        Assert.Equal(("Bearer", "first-token"), (first.Scheme, first.Parameter));
        Assert.Equal("rotated-token", second.Parameter);
    }

    [Fact]
    public void What_is_missing_is_said_and_no_token_is_shown()
    {
        _dir.Write("token", "secret-token-value");

        var noHost = Assert.Throws<KubeConfigException>(() => Factory(host: null).InClusterConfig());
        var badPort = Assert.Throws<KubeConfigException>(() => Factory(port: "https").InClusterConfig());
        var noCa = Assert.Throws<KubeConfigException>(() => Factory().InClusterConfig());
        _dir.Write("ca.crt", "not a certificate");
        var badCa = Assert.Throws<KubeConfigException>(() => Factory().InClusterConfig());

        Assert.Contains("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT", noHost.Message, StringComparison.Ordinal);
        Assert.Contains("KUBERNETES_SERVICE_PORT is not a port: 'https'", badPort.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir.Root, "ca.crt") + " does not exist", noCa.Message, StringComparison.Ordinal);
        Assert.Contains("does not read as PEM certificates", badCa.Message, StringComparison.Ordinal);
        Assert.All(new[] { noHost, badPort, noCa, badCa }, e => Assert.DoesNotContain("secret-token-value", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "Kubernetes ServiceAccountDirectory is empty")]
    [InlineData("var/run/sa", "Kubernetes ServiceAccountDirectory must be an absolute path, not 'var/run/sa'")]
    [InlineData("/var/run/secrets/kubernetes.io/serviceaccount", null)]
    public void The_folder_setting_must_be_an_absolute_path(string folder, string? problem) =>
        Assert.Equal(problem, new KubernetesOptions { ServiceAccountDirectory = folder }.Problem());
}
