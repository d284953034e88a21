using DriftFabric.Engine.Ownership;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// The last verdict on whether everything the pipeline applied is still declared (see
/// <see cref="AppliedCoverage"/>), kept with one desired object and keyed by what it was asked
/// of: the live object's last-applied-configuration and its server-side appliers' fieldsV1, as
/// written. An object is applied the same way event after event, so a live scan asks only when
/// that changes. Safe for concurrent use: the verdict is replaced whole.
/// </summary>
internal sealed class AppliedVerdicts
{
    private sealed record Verdict(byte[] LastApplied, byte[][] AppliedFields, bool Declared);

    private Verdict? _last;

    /// <summary>The verdict for these inputs, if it is the one kept.</summary>
    /// <param name="json">The live object the entries' ranges point into.</param>
    public bool TryGet(ReadOnlySpan<byte> lastApplied, IReadOnlyList<ScannedEntry> entries, ReadOnlySpan<byte> json, out bool declared)
    {
        declared = false;
        var last = _last;
        if (last is null || !lastApplied.SequenceEqual(last.LastApplied))
        {
            return false;
        }

        var at = 0;
        foreach (var entry in entries)
        {
            if (IsApplied(entry))
            {
                if (at == last.AppliedFields.Length || !Raw(json, entry.Fields).SequenceEqual(last.AppliedFields[at]))
                {
                    return false;
                }

                at++;
            }
        }

        declared = last.Declared;
        return at == last.AppliedFields.Length;
    }

    public void Remember(ReadOnlySpan<byte> lastApplied, IReadOnlyList<ScannedEntry> entries, ReadOnlySpan<byte> json, bool declared)
    {
        var fields = new List<byte[]>();
        foreach (var entry in entries)
        {
            if (IsApplied(entry))
            {
                fields.Add(Raw(json, entry.Fields).ToArray());
            }
        }

        _last = new Verdict(lastApplied.ToArray(), [.. fields], declared);
    }

    private static bool IsApplied(in ScannedEntry entry) => entry.Class == ManagerClass.Applier && entry.Operation == "Apply";

    private static ReadOnlySpan<byte> Raw(ReadOnlySpan<byte> json, Range range) => range.Equals(default) ? default : json[range];
}
