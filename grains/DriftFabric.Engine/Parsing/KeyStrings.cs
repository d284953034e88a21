namespace DriftFabric.Engine.Parsing;

/// <summary>
/// Object keys repeat across every document of a kind (<c>metadata</c>, <c>f:spec</c>,
/// <c>containerPort</c>): each thread keeps the strings it has seen, from YAML and JSON alike,
/// and hands out the same instance again instead of allocating a new one per key.
/// </summary>
internal static class KeyStrings
{
    /// <summary>Longer keys are rare and not kept.</summary>
    public const int MaxLength = 128;

    private const int MaxCached = 16_384;

    [ThreadStatic]
    private static Dictionary<string, string>? t_cache;

    /// <summary>As <see cref="Of(ReadOnlySpan{char})"/>, the key given as its UTF-8 (without escapes).</summary>
    public static string Of(ReadOnlySpan<byte> key)
    {
        if (key.Length > MaxLength)
        {
            return System.Text.Encoding.UTF8.GetString(key);
        }

        Span<char> buffer = stackalloc char[MaxLength];
        return Of(buffer[..System.Text.Encoding.UTF8.GetChars(key, buffer)]);
    }

    public static string Of(ReadOnlySpan<char> key)
    {
        if (key.Length > MaxLength)
        {
            return new string(key);
        }

        var cache = t_cache ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (cache.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var known))
        {
            return known;
        }

        var text = new string(key);
        if (cache.Count < MaxCached)
        {
            cache[text] = text;
        }

        return text;
    }
}
