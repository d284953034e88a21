using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// cert-manager's Issuer (<c>cert-manager.io/v1</c>), only the fields the install uses: KubernetesClient
/// has no model for it, and a strict read refuses any other field.
/// </summary>
public sealed class CertManagerIssuer() : CustomResource<CertManagerIssuerSpec>(KubeApiVersion, KubeKind)
{
    public const string KubeApiVersion = "cert-manager.io/v1";
    public const string KubeKind = "Issuer";
}

public sealed class CertManagerIssuerSpec
{
    /// <summary><c>selfSigned: {}</c>: present (an empty mapping) or absent.</summary>
    [JsonPropertyName("selfSigned")]
    public Dictionary<string, object>? SelfSigned { get; set; }
}

/// <summary>cert-manager's Certificate (<c>cert-manager.io/v1</c>), the fields the install uses.</summary>
public sealed class CertManagerCertificate() : CustomResource<CertManagerCertificateSpec>(KubeApiVersion, KubeKind)
{
    public const string KubeApiVersion = "cert-manager.io/v1";
    public const string KubeKind = "Certificate";
}

public sealed class CertManagerCertificateSpec
{
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = string.Empty;

    [JsonPropertyName("dnsNames")]
    public IList<string> DnsNames { get; set; } = [];

    [JsonPropertyName("duration")]
    public string? Duration { get; set; }

    [JsonPropertyName("renewBefore")]
    public string? RenewBefore { get; set; }

    [JsonPropertyName("privateKey")]
    public CertManagerPrivateKey? PrivateKey { get; set; }

    [JsonPropertyName("issuerRef")]
    public CertManagerIssuerReference IssuerRef { get; set; } = new();
}

public sealed class CertManagerPrivateKey
{
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("size")]
    public int? Size { get; set; }

    [JsonPropertyName("rotationPolicy")]
    public string? RotationPolicy { get; set; }
}

public sealed class CertManagerIssuerReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("group")]
    public string? Group { get; set; }
}
