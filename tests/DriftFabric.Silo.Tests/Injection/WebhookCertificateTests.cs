using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DriftFabric.Silo.Injection;

namespace DriftFabric.Silo.Tests.Injection;

public sealed class WebhookCertificateTests
{
    [Theory]
    [InlineData("driftfabric-webhook.driftfabric.svc")]
    [InlineData("driftfabric-webhook.driftfabric.svc.cluster.local")]
    [InlineData("driftfabric.driftfabric.svc")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public void A_generated_certificate_chains_to_the_CA_it_writes_for_the_services_names_and_loopback(string host)
    {
        using var folder = new TempDirectory("driftfabric-webhook-ca-");
        var caFile = folder.PathOf("nested/ca.crt");

        var generated = GeneratedWebhookCertificate.Create(caFile, TimeProvider.System);

        var pem = File.ReadAllText(caFile);
        Assert.Equal(generated.CaPem, pem);
        Assert.DoesNotContain("PRIVATE KEY", pem, StringComparison.Ordinal);
        using var ca = X509Certificate2.CreateFromPem(pem);
        var leaf = generated.Current();
        Assert.True(leaf.HasPrivateKey);
        Assert.Equal(256, leaf.GetECDsaPublicKey()!.KeySize);
        Assert.True(leaf.MatchesHostname(host), $"{host} is not a name of the certificate");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void Each_start_makes_a_new_CA()
    {
        using var folder = new TempDirectory("driftfabric-webhook-ca-");

        var first = GeneratedWebhookCertificate.Create(folder.PathOf("a.crt"), TimeProvider.System);
        var second = GeneratedWebhookCertificate.Create(folder.PathOf("b.crt"), TimeProvider.System);

        Assert.NotEqual(first.CaPem, second.CaPem);
    }

    [Fact]
    public void Files_that_are_not_a_certificate_and_its_key_are_refused_without_showing_the_key()
    {
        using var folder = new TempDirectory("driftfabric-webhook-tls-");
        using var one = TestCertificates.Create();
        using var other = TestCertificates.Create();
        var key = other.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        folder.Write("tls.crt", one.Server.ExportCertificatePem());
        folder.Write("tls.key", key);

        var problem = WebhookCertificateFiles.TryLoad(folder.PathOf("tls.crt"), folder.PathOf("tls.key"), out var loaded);

        Assert.Null(loaded);
        Assert.StartsWith($"{folder.PathOf("tls.crt")} and {folder.PathOf("tls.key")} are not a PEM certificate and its private key", problem, StringComparison.Ordinal);
        var body = string.Concat(key.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        Assert.DoesNotContain(body[..32], problem, StringComparison.Ordinal);
    }
}
