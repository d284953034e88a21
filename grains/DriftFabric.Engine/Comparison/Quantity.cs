using System.Globalization;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// A Kubernetes resource quantity (<c>500m</c>, <c>1Gi</c>, <c>1e3</c>), compared by value and
/// printed in the API server's canonical form, so <c>1000m</c>, <c>"1"</c> and <c>1</c> are one value.
/// </summary>
public readonly record struct Quantity(decimal Value, QuantityFormat Format)
{
    private static readonly (string Suffix, int Power)[] BinarySuffixes = [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
    private static readonly (string Suffix, int Exponent)[] DecimalSuffixes =
        [("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3), (string.Empty, 0), ("m", -3), ("u", -6), ("n", -9)];

    private static readonly HashSet<string> ContextKeys = new(StringComparer.Ordinal) { "requests", "limits", "hard", "capacity", "sizeLimit", "storage" };

    /// <summary>Values under these keys (at any depth) are quantities.</summary>
    public static bool IsContextKey(string key) => ContextKeys.Contains(key);

    public static bool TryParse(Node node, out Quantity quantity)
    {
        quantity = default;
        return node switch
        {
            ScalarNode { Kind: NodeKind.Number, Exact: { } exact } => Ok(new Quantity(exact, QuantityFormat.DecimalSI), out quantity),
            ScalarNode { Kind: NodeKind.String } s => TryParse(s.Text, out quantity),
            _ => false,
        };

        static bool Ok(Quantity q, out Quantity result)
        {
            result = q;
            return true;
        }
    }

    public static bool TryParse(string text, out Quantity quantity)
    {
        quantity = default;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        var numberEnd = 0;
        if (s[0] is '+' or '-')
        {
            numberEnd++;
        }

        var digits = 0;
        var dots = 0;
        while (numberEnd < s.Length && (char.IsAsciiDigit(s[numberEnd]) || s[numberEnd] == '.'))
        {
            if (s[numberEnd] == '.')
            {
                dots++;
            }
            else
            {
                digits++;
            }

            numberEnd++;
        }

        if (digits == 0 || dots > 1 || !decimal.TryParse(s.AsSpan(0, numberEnd), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var mantissa))
        {
            return false;
        }

        var suffix = s[numberEnd..];
        try
        {
            foreach (var (name, power) in BinarySuffixes)
            {
                if (suffix == name)
                {
                    quantity = new Quantity(mantissa * Pow(2, power), QuantityFormat.BinarySI);
                    return true;
                }
            }

            foreach (var (name, exponent) in DecimalSuffixes)
            {
                if (suffix == name)
                {
                    quantity = new Quantity(Scale(mantissa, exponent), QuantityFormat.DecimalSI);
                    return true;
                }
            }

            if (suffix.Length > 1 && suffix[0] is 'e' or 'E'
                && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exp)
                && exp is >= -28 and <= 28)
            {
                quantity = new Quantity(Scale(mantissa, exp), QuantityFormat.DecimalExponent);
                return true;
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        return false;
    }

    /// <summary>The canonical text, as <c>kubectl get</c> would print it.</summary>
    public override string ToString()
    {
        if (Value == 0)
        {
            return "0";
        }

        if (Format == QuantityFormat.BinarySI && decimal.Truncate(Value) == Value)
        {
            foreach (var (name, power) in BinarySuffixes)
            {
                var unit = Pow(2, power);
                if (Math.Abs(Value) >= unit && Value % unit == 0)
                {
                    return (Value / unit).ToString("0", CultureInfo.InvariantCulture) + name;
                }
            }

            return Value.ToString("0", CultureInfo.InvariantCulture);
        }

        foreach (var (name, exponent) in DecimalSuffixes)
        {
            var mantissa = Scale(Value, -exponent);
            if (decimal.Truncate(mantissa) == mantissa)
            {
                var text = mantissa.ToString("0", CultureInfo.InvariantCulture);
                return Format == QuantityFormat.DecimalExponent ? (exponent == 0 ? text : $"{text}e{exponent}") : text + name;
            }
        }

        // Finer than a nano: the API server rounds up to the nearest nano.
        return decimal.Ceiling(Scale(Value, 9)).ToString("0", CultureInfo.InvariantCulture) + "n";
    }

    private static decimal Pow(int b, int e)
    {
        decimal result = 1;
        for (var i = 0; i < e; i++)
        {
            result *= b;
        }

        return result;
    }

    private static decimal Scale(decimal value, int exponent)
    {
        var result = value;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result = exponent > 0 ? result * 10 : result / 10;
        }

        return result;
    }
}

public enum QuantityFormat
{
    DecimalSI,
    BinarySI,
    DecimalExponent,
}
