namespace DriftFabric.Engine;

/// <summary>Matches names against patterns where <c>*</c> stands for any run of characters.</summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text) => IsMatch(pattern, text, ignoreCase: false);

    /// <summary>As <see cref="IsMatch(string, string)"/>, letters compared with or without case.</summary>
    public static bool IsMatch(string pattern, string text, bool ignoreCase)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return string.Equals(pattern, text, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        }

        return Match(pattern.AsSpan(), text.AsSpan(), ignoreCase);
    }

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && (pattern[p] == text[t] || (ignoreCase && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t]))))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
