using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Comparison;

public enum DriftKind
{
    Missing,
    Modified,
    Added,
    Unmanaged,
}

/// <summary>Ordered from least to most severe, so comparisons read naturally.</summary>
public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>
/// One difference between desired and live state. <see cref="Desired"/> and <see cref="Live"/>
/// hold normalized values (quantities canonical, Secret values as the policy's
/// <see cref="SecretDigest"/> shows them: <c>sha256:</c> or <c>hmac:</c> digests) and are null
/// where that side is absent.
/// </summary>
public sealed record Drift(
    ResourceKey Resource,
    string Path,
    DriftKind Kind,
    Severity Severity,
    Node? Desired,
    Node? Live,
    string? Manager,
    DateTimeOffset? ChangedAt,
    SourceLocation? Source)
{
    public string Id => $"{Resource}|{Path}|{Kind}";
}

public static class DriftNames
{
    public static string ToText(this Severity severity) => severity switch
    {
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        _ => "critical",
    };

    public static bool TryParseSeverity(string? text, out Severity severity)
    {
        switch (text)
        {
            case "low":
                severity = Severity.Low;
                return true;
            case "medium":
                severity = Severity.Medium;
                return true;
            case "high":
                severity = Severity.High;
                return true;
            case "critical":
                severity = Severity.Critical;
                return true;
            default:
                severity = default;
                return false;
        }
    }

    public static bool TryParseKind(string? text, out DriftKind kind) => Enum.TryParse(text, ignoreCase: false, out kind) && Enum.IsDefined(kind);
}
