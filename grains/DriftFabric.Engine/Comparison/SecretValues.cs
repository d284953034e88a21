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

    private const string SealPrefix = "sha256:";
    private const int SealLength = 7 + 64;

    /// <summary>
    /// A <c>data</c> value sealed (its full digest over the decoded bytes), or the value itself
    /// when it is not a scalar: two values are the same data when their seals are equal.
    /// </summary>
    public static Node SealData(Node value) => value is ScalarNode s ? ScalarNode.String(FullDigestOfData(s.Text), s.Line) : value;

    /// <summary>
    /// <see cref="SealData"/> of a desired value, kept with the value: desired state is compared
    /// with every change of its live object, and a digest costs more than the rest of a drift.
    /// </summary>
    internal static Node SealDesiredData(Node value) =>
        value is ScalarNode s && !IsSealed(s.Text) ? DesiredSeals.GetValue(s, static v => SealData(v)) : value;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ScalarNode, Node> DesiredSeals = [];

    /// <summary>The short digest of a <c>data</c> value (base64), taken over the decoded bytes.</summary>
    public static string DigestOfData(string base64) => Short(FullDigestOfData(base64));

    public static string DigestOfText(string text) => Short(IsSealed(text) ? text : FullDigest(Encoding.UTF8.GetBytes(text)));

    public static string Digest(ReadOnlySpan<byte> value) => Short(FullDigest(value));

    /// <summary>
    /// A Secret with every value replaced by its full digest (<c>sha256:</c> and 64 hex digits,
    /// over the decoded bytes), <c>stringData</c> folded into <c>data</c> first. Sealed Secrets
    /// compare exactly as the originals do, so the fabric keeps, sends and stores only these.
    /// Sealing a sealed Secret changes nothing.
    /// </summary>
    public static MapNode Seal(MapNode secret)
    {
        var data = secret["data"] as MapNode ?? MapNode.Empty;
        foreach (var (key, value) in data.Entries)
        {
            data = data.With(key, ScalarNode.String(FullDigestOfData(value is ScalarNode s ? s.Text : string.Empty), value.Line));
        }

        if (secret["stringData"] is MapNode plain)
        {
            foreach (var (key, value) in plain.Entries)
            {
                var text = value is ScalarNode { Kind: not NodeKind.Null } s ? s.Text : string.Empty;
                data = data.With(key, ScalarNode.String(FullDigest(Encoding.UTF8.GetBytes(text)), value.Line));
            }
        }

        var sealedSecret = secret.Without("stringData");
        if (data.Count > 0 || secret["data"] is not null)
        {
            sealedSecret = sealedSecret.With("data", data);
        }

        if (sealedSecret.GetMap("metadata") is { } metadata && metadata.GetMap("annotations") is { } annotations
            && annotations[LastAppliedAnnotation] is ScalarNode lastApplied && !IsSealed(lastApplied.Text))
        {
            var digest = ScalarNode.String(FullDigest(Encoding.UTF8.GetBytes(lastApplied.Text)), lastApplied.Line);
            sealedSecret = sealedSecret.With("metadata", metadata.With("annotations", annotations.With(LastAppliedAnnotation, digest)));
        }

        return sealedSecret;
    }

    private static string FullDigestOfData(string base64) => IsSealed(base64) ? base64 : FullDigest(Decode(base64));

    private static string FullDigest(ReadOnlySpan<byte> value)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(value, hash);
        return SealPrefix + Convert.ToHexStringLower(hash);
    }

    private static string Short(string fullDigest) => fullDigest[..(SealPrefix.Length + 8)];

    private static bool IsSealed(string text) => text.Length == SealLength && text.StartsWith(SealPrefix, StringComparison.Ordinal);

    /// <summary>The bytes a <c>data</c> value stands for; text that is not base64 stands for itself.</summary>
    private static byte[] Decode(string text)
    {
        var compact = text.Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal);
        var bytes = new byte[compact.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(compact, bytes, out var written) ? bytes[..written] : Encoding.UTF8.GetBytes(text);
    }
}
