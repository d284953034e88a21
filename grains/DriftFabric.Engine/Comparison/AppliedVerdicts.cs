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
        key = XxHash128.HashToUInt128(lastApplied);
        foreach (var entry in entries)
        {
            if (entry.Class == ManagerClass.Applier && entry.Operation == "Apply")
            {
                key += FieldsKey(entry.Fields.Equals(default) ? default : json[entry.Fields]);
            }
        }

        return TryGet(key, out declared);
    }

    /// <summary>As the other overload, for an object's ownership however it was read (the same inputs give the same key).</summary>
    internal bool TryGet(FieldOwnership ownership, out bool declared, out UInt128 key)
    {
        key = XxHash128.HashToUInt128(ownership.LastAppliedToken.Span);
        var entries = ownership.Entries;
        for (var rank = 0; rank < entries.Count; rank++)
        {
            if (FieldOwnership.IsApplyApplier(entries[rank]))
            {
                key += FieldsKey(ownership.RawFieldsOf(rank));
            }
        }

        return TryGet(key, out declared);
    }

    internal void Remember(UInt128 key, bool declared) => _last = new Verdict(key, declared);

    private bool TryGet(UInt128 key, out bool declared)
    {
        declared = _last is { } last && last.Key == key && last.Declared;
        return _last?.Key == key;
    }

    /// <summary>One applier's fields, hashed on their own and summed: the entries' order does not change the key.</summary>
    private static UInt128 FieldsKey(ReadOnlySpan<byte> fields) => XxHash128.HashToUInt128(fields, seed: 1);
}
