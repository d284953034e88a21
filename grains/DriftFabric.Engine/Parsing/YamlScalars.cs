using System.Globalization;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Parsing;

/// <summary>
/// Resolves plain YAML scalars the way <c>kubectl</c> does (sigs.k8s.io/yaml over go-yaml v2,
/// YAML 1.1 rules): <c>yes</c>/<c>on</c> are booleans, <c>0644</c> is octal 420, <c>1e3</c> is a
/// float. Quoted scalars are always strings.
/// </summary>
internal static class YamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    public static Node Resolve(string value, bool plain, string? tag, int line)
    {
        if (tag is not null && tag != "!")
        {
            return ResolveTagged(value, tag, line);
        }

        if (!plain || tag == "!")
        {
            return ScalarNode.String(value, line);
        }

        return ResolvePlain(value, line);
    }

    private static Node ResolveTagged(string value, string tag, int line)
    {
        var name = tag.StartsWith(TagPrefix, StringComparison.Ordinal) ? tag[TagPrefix.Length..] : tag.StartsWith("!!", StringComparison.Ordinal) ? tag[2..] : null;
        switch (name)
        {
            case "str":
            case "binary":
            case "timestamp":
                return ScalarNode.String(value, line);
            case "null":
                return ScalarNode.NullAt(line);
            case "bool":
                return TryBool(value, out var b) ? ScalarNode.Bool(b, line) : throw new ParseException($"'{Shorten(value)}' is not a !!bool", line);
            case "int":
                return TryInteger(value, out var i) ? ScalarNode.Number(i, line) : throw new ParseException($"'{Shorten(value)}' is not an !!int", line);
            case "float":
                return TryFloat(value, out var f) ? f.ToNode(line) : throw new ParseException($"'{Shorten(value)}' is not a !!float", line);
            default:
                // Application tags (!Ref, !vault ...) carry no Kubernetes meaning: keep the text.
                return ScalarNode.String(value, line);
        }
    }

    private static Node ResolvePlain(string value, int line)
    {
        if (value.Length == 0)
        {
            return ScalarNode.NullAt(line);
        }

        switch (value)
        {
            case "~" or "null" or "Null" or "NULL":
                return ScalarNode.NullAt(line);
        }

        if (TryBool(value, out var b))
        {
            return ScalarNode.Bool(b, line);
        }

        var first = value[0];
        if (char.IsAsciiDigit(first) || first is '-' or '+' or '.')
        {
            if (TryInteger(value, out var i))
            {
                return ScalarNode.Number(i, line);
            }

            if (TryFloat(value, out var f))
            {
                return f.ToNode(line);
            }
        }

        return ScalarNode.String(value, line);
    }

    private static bool TryBool(string value, out bool result)
    {
        switch (value)
        {
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                result = true;
                return true;
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    /// <summary>Integers as Go's <c>strconv.ParseInt(s, 0, 64)</c> reads them after go-yaml drops underscores.</summary>
    internal static bool TryInteger(string text, out decimal result)
    {
        result = 0;
        var s = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.Length == 0)
        {
            return false;
        }

        int radix;
        if (s.Length > 2 && s[0] == '0' && (s[1] is 'x' or 'X'))
        {
            radix = 16;
            s = s[2..];
        }
        else if (s.Length > 2 && s[0] == '0' && (s[1] is 'o' or 'O'))
        {
            radix = 8;
            s = s[2..];
        }
        else if (s.Length > 2 && s[0] == '0' && (s[1] is 'b' or 'B'))
        {
            radix = 2;
            s = s[2..];
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            radix = 8;
            s = s[1..];
        }
        else
        {
            radix = 10;
        }

        decimal value = 0;
        foreach (var c in s)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }

            value = (value * radix) + digit;
            if (value > long.MaxValue + 1m)
            {
                return false;
            }
        }

        result = negative ? -value : value;
        return true;
    }

    internal static bool TryFloat(string text, out FloatValue result)
    {
        result = default;
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                result = new FloatValue(double.PositiveInfinity);
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                result = new FloatValue(double.NegativeInfinity);
                return true;
            case ".nan" or ".NaN" or ".NAN":
                result = new FloatValue(double.NaN);
                return true;
        }

        var s = text.Replace("_", string.Empty, StringComparison.Ordinal);
        if (!IsYamlFloat(s))
        {
            return false;
        }

        if (decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
        {
            result = new FloatValue(exact);
            return true;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var approx))
        {
            result = new FloatValue(approx);
            return true;
        }

        return false;
    }

    /// <summary><c>^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$</c>, without a regex.</summary>
    private static bool IsYamlFloat(string s)
    {
        var i = 0;
        if (i < s.Length && (s[i] == '-' || s[i] == '+'))
        {
            i++;
        }

        var intDigits = CountDigits(s, ref i);
        if (intDigits == 0)
        {
            if (i >= s.Length || s[i] != '.')
            {
                return false;
            }

            i++;
            if (CountDigits(s, ref i) == 0)
            {
                return false;
            }
        }
        else if (i < s.Length && s[i] == '.')
        {
            i++;
            CountDigits(s, ref i);
        }

        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '-' || s[i] == '+'))
            {
                i++;
            }

            if (CountDigits(s, ref i) == 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }

    private static int CountDigits(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        return i - start;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";

    internal readonly struct FloatValue
    {
        private readonly decimal? _exact;
        private readonly double _approx;

        public FloatValue(decimal exact)
        {
            _exact = exact;
            _approx = (double)exact;
        }

        public FloatValue(double approx)
        {
            _exact = null;
            _approx = approx;
        }

        public Node ToNode(int line) => _exact is { } e ? ScalarNode.Number(e, line) : ScalarNode.Number(_approx, line);
    }
}
