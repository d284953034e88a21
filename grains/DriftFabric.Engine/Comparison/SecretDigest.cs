using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// How Secret values are digested: SHA-256 (<see cref="Sha256"/>, shown <c>sha256:</c> and 8 hex
/// digits), or HMAC-SHA256 under an installation key (<see cref="Hmac"/>, shown <c>hmac:</c> and 8
/// hex digits), so that a reader of reports cannot confirm a guessed value by hashing it.
/// </summary>
/// <remarks>
/// A value is sealed to its full digest, whose prefix names the digest and, for HMAC, the key
/// (<c>hmac:&lt;key id&gt;:&lt;64 hex&gt;</c>; the key id is itself an HMAC under the key, so it
/// tells nothing of it). A digest recognizes only its own seals: a value sealed under another key
/// is a value like any other to it, so two values sealed under different keys never compare equal,
/// and sealing a sealed value under the same digest changes nothing. The key is held by the
/// instance and never shown (<see cref="ToString"/> names the key id only).
/// </remarks>
public sealed class SecretDigest
{
    /// <summary>The fewest bytes an installation key may have (after surrounding whitespace is removed).</summary>
    public const int MinKeyLength = 16;

    private const int HexLength = 64;

    private readonly byte[]? _key;
    private readonly string _sealPrefix;

    // A desired value is compared with every change of its live object, and a digest costs more
    // than the rest of a drift: its seal is kept with it, per digest.
    private readonly ConditionalWeakTable<ScalarNode, Node> _desiredSeals = [];

    private SecretDigest(byte[]? key, string keyId)
    {
        _key = key;
        KeyId = keyId;
        Prefix = key is null ? "sha256:" : "hmac:";
        _sealPrefix = key is null ? Prefix : Prefix + keyId + ":";
    }

    /// <summary>Plain SHA-256: what offline <c>check</c> shows without a key.</summary>
    public static SecretDigest Sha256 { get; } = new(null, string.Empty);

    /// <summary>What a shown digest starts with: <c>sha256:</c> or <c>hmac:</c>.</summary>
    public string Prefix { get; }

    /// <summary>8 hex digits naming the key (an HMAC of a fixed text under it); empty for <see cref="Sha256"/>.</summary>
    public string KeyId { get; }

    public bool IsKeyed => _key is not null;

    /// <summary>
    /// HMAC-SHA256 under <paramref name="key"/>: the bytes of a key file or variable, surrounding
    /// whitespace (a final newline) removed, so a key written by an editor, <c>echo</c> or the
    /// fabric itself reads the same everywhere.
    /// </summary>
    /// <exception cref="ArgumentException">The key has a <see cref="KeyProblem"/>.</exception>
    public static SecretDigest Hmac(ReadOnlySpan<byte> key)
    {
        if (KeyProblem(key) is { } problem)
        {
            throw new ArgumentException(problem, nameof(key));
        }

        var copy = Trimmed(key).ToArray();
        Span<byte> id = stackalloc byte[32];
        HMACSHA256.HashData(copy, "driftfabric/secret-digest-key-id"u8, id);
        return new SecretDigest(copy, Convert.ToHexStringLower(id[..4]));
    }

    /// <summary>Why <paramref name="key"/> cannot be a key (too short), or null; the text never quotes it.</summary>
    public static string? KeyProblem(ReadOnlySpan<byte> key)
    {
        var length = Trimmed(key).Length;
        return length < MinKeyLength ? $"the key must be at least {MinKeyLength} bytes, surrounding whitespace aside (it has {length})" : null;
    }

    private static ReadOnlySpan<byte> Trimmed(ReadOnlySpan<byte> key) => key.Trim(" \t\r\n\f\v"u8);

    /// <summary>The short form a report shows of a sealed value (<c>hmac:1a2b3c4d</c>); any other text unchanged.</summary>
    public string Shorten(string text) => IsSealed(text) ? Short(text) : text;

    public override string ToString() => IsKeyed ? $"hmac (key {KeyId})" : "sha256";

    /// <summary>The full digest of <paramref name="value"/>: the seal prefix and 64 hex digits.</summary>
    internal string Seal(ReadOnlySpan<byte> value)
    {
        Span<byte> hash = stackalloc byte[32];
        if (_key is null)
        {
            SHA256.HashData(value, hash);
        }
        else
        {
            HMACSHA256.HashData(_key, value, hash);
        }

        return string.Concat(_sealPrefix, Convert.ToHexStringLower(hash));
    }

    /// <summary>True for a full digest made by this digest (under this key).</summary>
    internal bool IsSealed(string text) => text.Length == _sealPrefix.Length + HexLength && text.StartsWith(_sealPrefix, StringComparison.Ordinal);

    /// <summary>The shown prefix and the first 8 hex digits of a full digest of this digest's own.</summary>
    internal string Short(string seal) => string.Concat(Prefix, seal.AsSpan(_sealPrefix.Length, 8));

    /// <summary>The seal kept with a desired value, if it was sealed under this digest before.</summary>
    internal bool TryGetDesiredSeal(ScalarNode value, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Node seal) => _desiredSeals.TryGetValue(value, out seal);

    /// <summary>Keeps a desired value's seal with it, for as long as the value lives.</summary>
    internal void KeepDesiredSeal(ScalarNode value, Node seal) => _desiredSeals.AddOrUpdate(value, seal);
}
