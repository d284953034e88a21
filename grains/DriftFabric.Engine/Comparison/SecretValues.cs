using System.Security.Cryptography;
using System.Text;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Secret values are compared on their decoded bytes and only ever leave the engine as
/// <c>sha256:</c> and the first 8 hex digits of the SHA-256 of the value.
/// </summary>
public static class SecretValues
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    public static bool DataEquals(Node desired, Node live) =>
        desired is ScalarNode d && live is ScalarNode l && Decode(d.Text).AsSpan().SequenceEqual(Decode(l.Text));

    /// <summary>The digest of a <c>data</c> value (base64), taken over the decoded bytes.</summary>
    public static string DigestOfData(string base64) => Digest(Decode(base64));

    public static string DigestOfText(string text) => Digest(Encoding.UTF8.GetBytes(text));

    public static string Digest(ReadOnlySpan<byte> value)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(value, hash);
        return "sha256:" + Convert.ToHexStringLower(hash[..4]);
    }

    private static byte[] Decode(string text)
    {
        var compact = text.Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal);
        try
        {
            return Convert.FromBase64String(compact);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(text);
        }
    }
}
