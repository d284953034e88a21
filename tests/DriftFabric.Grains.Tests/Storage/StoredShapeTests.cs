using DriftFabric.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace DriftFabric.Grains.Tests.Storage;

/// <summary>Grain state written by an earlier build reads back: a service's history outlives upgrades.</summary>
public sealed class StoredShapeTests
{
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Theory]
    [InlineData("reverted", RemediationOutcome.Reverted)]
    [InlineData("changedsincedetection", RemediationOutcome.ChangedSinceDetection)]
    [InlineData("contested", RemediationOutcome.Contested)]
    [InlineData("adopted", RemediationOutcome.Adopted)]
    public void A_remediation_note_stored_when_its_outcome_was_text_reads_back_typed_and_is_stored_the_same_way(string stored, RemediationOutcome outcome)
    {
        FieldChange[] changes = [new("/spec/replicas", "5", "2")];
        var earlier = _serializer.SerializeToArray(new TextOutcomeNote("policy", "revert", stored, "reverted 1 field", changes));

        var note = _serializer.Deserialize<RemediationNote>(earlier)!;

        Assert.Equal(("policy", "revert", outcome, "reverted 1 field"), (note.Actor, note.Action, note.Outcome, note.Message));
        Assert.Equal(changes, note.Changes);
        Assert.Equal(earlier, _serializer.SerializeToArray(note));
    }

    /// <summary>A remediation note as builds before the typed outcome stored it (field 2 a lower-case string).</summary>
    [GenerateSerializer]
    public sealed record TextOutcomeNote(
        [property: Id(0)] string Actor,
        [property: Id(1)] string Action,
        [property: Id(2)] string Outcome,
        [property: Id(3)] string Message,
        [property: Id(4)] IReadOnlyList<FieldChange> Changes);
}
