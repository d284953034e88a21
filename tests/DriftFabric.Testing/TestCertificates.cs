using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DriftFabric.Testing;

/// <summary>
/// A certificate authority made for one test and a server certificate it signs for 127.0.0.1 and
/// localhost: what a cluster's API server presents and the <c>ca.crt</c> a pod trusts it by.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        Server = server;
    }

    /// <summary>The authority (public part only is ever written out).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The server's certificate with its private key, for Kestrel.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The authority as PEM: the content of a service account's <c>ca.crt</c>, or a kubeconfig's certificate-authority-data once base64-encoded.</summary>
    public string AuthorityPem => Authority.ExportCertificatePem();

    public static TestCertificates Create()
    {
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=driftfabric-test-ca", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        using var signed = serverRequest.Create(authority, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        // Through PKCS#12, so that the key is one SslStream can use on every platform.
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new TestCertificates(X509CertificateLoader.LoadCertificate(authority.RawData), server);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
