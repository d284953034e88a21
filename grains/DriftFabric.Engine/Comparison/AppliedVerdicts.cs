using System.IO.Hashing;
using DriftFabric.Engine.Ownership;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// The last verdict on whether everything the pipeline applied to one object is still declared
/// by one desired state (see <see cref="AppliedCoverage"/>), keyed by a hash of what it was
/// asked of: the live object's last-applied-configuration and its server-side appliers'
/// fieldsV1, as written. An object is applied the same way event after event, so a live scan
/// asks only when that changes. A desired manifest keeps one; a holder that parses desired
/// state anew for each judgement keeps one per resource (and a new one when desired changes).
/// Safe for concurrent use: the verdict is replaced whole. Holds 17 bytes, never the values.
/// </summary>
public sealed class AppliedVerdicts
{
    private sealed record Verdict(UInt128 Key, bool Declared);

    private Verdict? _last;

    /// <summary>The verdict for these inputs, if it is the one kept.</summary>
    /// <param name="json">The live object the entries' ranges point into.</param>
    internal bool TryGet(ReadOnlySpan<byte> lastApplied, IReadOnlyList<ScannedEntry> entries, ReadOnlySpan<byte> json, out bool declared, out UInt128 key)
    {
        key = KeyOf(lastApplied, entries, json);
        declared = false;
        if (_last is not { } last || last.Key != key)
        {
            return false;
        }

        declared = last.Declared;
        return true;
    }

    internal void Remember(UInt128 key, bool declared) => _last = new Verdict(key, declared);

    /// <summary>A hash of the inputs, each hashed with the hash of those before as its seed (no state to allocate).</summary>
    private static UInt128 KeyOf(ReadOnlySpan<byte> lastApplied, IReadOnlyList<ScannedEntry> entries, ReadOnlySpan<byte> json)
    {
        var key = XxHash128.HashToUInt128(lastApplied);
        foreach (var entry in entries)
        {
            if (entry.Class == ManagerClass.Applier && entry.Operation == "Apply")
            {
                key = XxHash128.HashToUInt128(entry.Fields.Equals(default) ? default : json[entry.Fields], (long)(ulong)(key ^ (key >> 64)) + 1);
            }
        }

        return key;
    }
}
