using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Injection;

/// <summary>The webhook's serving certificate, asked for at each TLS handshake, and how it was obtained (for the start-up line).</summary>
public interface IWebhookCertificate
{
    X509Certificate2 Current();

    string Description { get; }
}

/// <summary>
/// A certificate generated at start when none is configured: a self-signed CA and a leaf for the
/// in-cluster service's names and loopback, ECDSA P-256, both valid for a year. Only the CA's
/// certificate leaves the process (a PEM file, for the webhook configuration's <c>caBundle</c>);
/// the keys stay in memory and a restart makes new ones.
/// </summary>
public sealed class GeneratedWebhookCertificate : IWebhookCertificate
{
    /// <summary>The names the API server reaches the webhook's Service by, and loopback.</summary>
    public static readonly IReadOnlyList<string> DnsNames =
        ["driftfabric-webhook.driftfabric.svc", "driftfabric-webhook.driftfabric.svc.cluster.local", "driftfabric.driftfabric.svc", "driftfabric.driftfabric.svc.cluster.local", "localhost"];

    private readonly X509Certificate2 _leaf;

    private GeneratedWebhookCertificate(X509Certificate2 leaf, string caPem, string caFile)
    {
        _leaf = leaf;
        CaPem = caPem;
        CaFile = caFile;
    }

    public string CaPem { get; }

    public string CaFile { get; }

    public string Description => $"generated certificate, its CA in {CaFile}";

    public X509Certificate2 Current() => _leaf;

    /// <summary>Through PKCS#12: a key made or read in memory is then one SslStream can use on every platform.</summary>
    internal static X509Certificate2 ForTls(X509Certificate2 withKey) => X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

    /// <summary>Generates the CA and the leaf, and writes the CA's certificate to <paramref name="caFile"/>.</summary>
    public static GeneratedWebhookCertificate Create(string caFile, TimeProvider time)
    {
        var now = time.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=driftfabric-webhook-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=driftfabric-webhook.driftfabric.svc", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in DnsNames)
        {
            names.AddDnsName(name);
        }

        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "serverAuth")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = leafRequest.Create(ca, now.AddMinutes(-5), now.AddYears(1).AddMinutes(-10), serial);
        using var withKey = signed.CopyWithPrivateKey(leafKey);
        var leaf = ForTls(withKey);

        var caPem = ca.ExportCertificatePem() + "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(caFile)!);
        File.WriteAllText(caFile, caPem);
        return new GeneratedWebhookCertificate(leaf, caPem, caFile);
    }
}

/// <summary>
/// A certificate and key from PEM files, as a cert-manager Secret mounts them (<c>tls.crt</c>,
/// <c>tls.key</c>). Both are read at each handshake (a few hundred bytes): when either changed,
/// the pair is loaded again, so a rotated certificate is served from the next connection on. A pair
/// caught half-written (cert-manager swaps the folder, but a hand-made rotation may not) keeps the
/// previous certificate and says so once.
/// </summary>
public sealed partial class WebhookCertificateFiles : IWebhookCertificate
{
    private readonly string _certFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private byte[] _loadedFrom;
    private byte[]? _refused;
    private X509Certificate2 _current;

    public WebhookCertificateFiles(string certFile, string keyFile, ILogger<WebhookCertificateFiles> logger)
    {
        _certFile = Path.GetFullPath(certFile);
        _keyFile = Path.GetFullPath(keyFile);
        _logger = logger;
        if (TryLoad(_certFile, _keyFile, out var loaded) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        (_current, _loadedFrom) = loaded!.Value;
    }

    public string Description => $"certificate from {_certFile}";

    public X509Certificate2 Current()
    {
        byte[] contents;
        try
        {
            contents = Contents(_certFile, _keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return _current;
        }

        lock (_lock)
        {
            if (contents.AsSpan().SequenceEqual(_loadedFrom) || (_refused is not null && contents.AsSpan().SequenceEqual(_refused)))
            {
                return _current;
            }

            if (TryLoad(_certFile, _keyFile, out var loaded) is { } problem)
            {
                _refused = contents;
                LogCertificateRefused(_logger, _certFile, problem);
                return _current;
            }

            (_current, _loadedFrom) = loaded!.Value;
            LogCertificateLoaded(_logger, _certFile, _current.Thumbprint, _current.NotAfter);
            return _current;
        }
    }

    /// <summary>Loads the pair: null, or what is wrong (never the key's content).</summary>
    public static string? TryLoad(string certFile, string keyFile, out (X509Certificate2 Certificate, byte[] Contents)? loaded)
    {
        loaded = null;
        try
        {
            var contents = Contents(certFile, keyFile);
            using var fromPem = X509Certificate2.CreateFromPem(File.ReadAllText(certFile), File.ReadAllText(keyFile));
            loaded = (GeneratedWebhookCertificate.ForTls(fromPem), contents);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read {certFile} or {keyFile}: {e.Message}";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The exception's text names PEM labels and mismatches, not the key's bytes.
            return $"{certFile} and {keyFile} are not a PEM certificate and its private key: {e.Message}";
        }
    }

    private static byte[] Contents(string certFile, string keyFile) => [.. File.ReadAllBytes(certFile), 0, .. File.ReadAllBytes(keyFile)];

    [LoggerMessage(EventId = Sources.LogEvents.WebhookCertificateLoaded, Level = LogLevel.Information, Message = "Webhook: serving the certificate from {CertFile} again, changed on disk (thumbprint {Thumbprint}, valid until {NotAfter:u})")]
    private static partial void LogCertificateLoaded(ILogger logger, string certFile, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = Sources.LogEvents.WebhookCertificateRefused, Level = LogLevel.Warning, Message = "Webhook: kept the previous certificate: {CertFile} changed but {Problem}")]
    private static partial void LogCertificateRefused(ILogger logger, string certFile, string problem);
}
