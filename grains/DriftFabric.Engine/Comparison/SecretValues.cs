using System.Text;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Secret values are compared on their decoded bytes and only ever leave the engine as a
/// <see cref="SecretDigest"/>'s short form: <c>sha256:</c> or <c>hmac:</c> and the first 8 hex
/// digits of the value's digest.
/// </summary>
public static class SecretValues
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// A <c>data</c> value sealed (its full digest over the decoded bytes), or the value itself
    /// when it is not a scalar: two values are the same data when their seals are equal.
    /// </summary>
    public static Node SealData(Node value, SecretDigest digest) =>
        value is ScalarNode s ? ScalarNode.String(FullDigestOfData(s.Text, digest), s.Line) : value;

    /// <summary>
    /// <see cref="SealData"/> of a desired value, kept with the value: desired state is compared
    /// with every change of its live object, and a digest costs more than the rest of a drift.
    /// </summary>
    internal static Node SealDesiredData(Node value, SecretDigest digest)
    {
        if (value is not ScalarNode s || digest.IsSealed(s.Text))
        {
            return value;
        }

        if (!digest.TryGetDesiredSeal(s, out var seal))
        {
            seal = SealData(s, digest);
            digest.KeepDesiredSeal(s, seal);
        }

        return seal;
    }

    /// <summary>The short digest of a <c>data</c> value (base64), taken over the decoded bytes.</summary>
    public static string DigestOfData(string base64, SecretDigest digest) => digest.Short(FullDigestOfData(base64, digest));

    public static string DigestOfText(string text, SecretDigest digest) =>
        digest.Short(digest.IsSealed(text) ? text : digest.Seal(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// A Secret with every value replaced by its full digest (the digest's seal prefix and 64 hex
    /// digits, over the decoded bytes), <c>stringData</c> folded into <c>data</c> first. Sealed
    /// Secrets compare exactly as the originals do, so the fabric keeps, sends and stores only
    /// these. Sealing a Secret sealed under the same digest changes nothing.
    /// </summary>
    public static MapNode Seal(MapNode secret, SecretDigest digest)
    {
        var data = secret["data"] as MapNode ?? MapNode.Empty;
        foreach (var (key, value) in data.Entries)
        {
            data = data.With(key, ScalarNode.String(FullDigestOfData(value is ScalarNode s ? s.Text : string.Empty, digest), value.Line));
        }

        if (secret["stringData"] is MapNode plain)
        {
            foreach (var (key, value) in plain.Entries)
            {
                var text = value is ScalarNode { Kind: not NodeKind.Null } s ? s.Text : string.Empty;
                data = data.With(key, ScalarNode.String(digest.Seal(Encoding.UTF8.GetBytes(text)), value.Line));
            }
        }

        var sealedSecret = secret.Without("stringData");
        if (data.Count > 0 || secret["data"] is not null)
        {
            sealedSecret = sealedSecret.With("data", data);
        }

        if (sealedSecret.GetMap("metadata") is { } metadata && metadata.GetMap("annotations") is { } annotations
            && annotations[LastAppliedAnnotation] is ScalarNode lastApplied && !digest.IsSealed(lastApplied.Text))
        {
            var sealedText = ScalarNode.String(digest.Seal(Encoding.UTF8.GetBytes(lastApplied.Text)), lastApplied.Line);
            sealedSecret = sealedSecret.With("metadata", metadata.With("annotations", annotations.With(LastAppliedAnnotation, sealedText)));
        }

        return sealedSecret;
    }

    private static string FullDigestOfData(string base64, SecretDigest digest) => digest.IsSealed(base64) ? base64 : digest.Seal(Decode(base64));

    /// <summary>The bytes a <c>data</c> value stands for; text that is not base64 stands for itself.</summary>
    private static byte[] Decode(string text)
    {
        var compact = text.Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal);
        var bytes = new byte[compact.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(compact, bytes, out var written) ? bytes[..written] : Encoding.UTF8.GetBytes(text);
    }
}
