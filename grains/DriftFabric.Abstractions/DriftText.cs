using DriftFabric.Engine.Comparison;

namespace DriftFabric.Abstractions;

/// <summary>A drift transition in words, the same wherever a person reads it (the silo's console, the CLI).</summary>
public static class DriftText
{
    /// <summary>
    /// What the transition did: back in line, declared or undeclared as a whole, desired -> live
    /// with the values as <paramref name="value"/> shows them, or what a remediation did and who did it.
    /// </summary>
    public static string Change(DriftRecord drift, DriftEventType type, Func<string?, string> value, RemediationNote? remediation = null) => (type, drift.Kind) switch
    {
        (DriftEventType.Resolved, _) => "back in line with the code",
        (DriftEventType.Remediated, _) => remediation is { } note ? $"{note.Action} by {note.Actor}: {note.Message}" : "remediated",
        (_, DriftKind.Missing) when drift.Path.Length == 0 => "declared, not in the cluster",
        (_, DriftKind.Unmanaged) => "in the cluster, not declared",
        _ => $"{value(drift.Desired)} -> {value(drift.Live)}",
    };

    /// <summary>The text cut to about <paramref name="max"/> characters, keeping its start and end around an ellipsis.</summary>
    public static string Shorten(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max / 2), "…", text.AsSpan(text.Length - (max / 2 - 1)));
}
