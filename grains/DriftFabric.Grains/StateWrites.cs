using DriftFabric.Abstractions;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace DriftFabric.Grains;

internal static partial class StateWrites
{
    /// <summary>
    /// Writes grain state. When storage holds another version than the one this activation read:
    /// with no record at all (storage was reset, or memory storage died with its silo) nobody
    /// claims it, and the activation's state is written again. With a record, another
    /// activation of this grain wrote it (a duplicate activation): this one never overwrites it;
    /// it takes what is stored, is deactivated, says so in the log, and the write fails with
    /// <see cref="DuplicateActivationException"/>.
    /// </summary>
    public static async Task WriteAsync<T>(this IPersistentState<T> state, IGrainContext grain, ILogger logger, CancellationToken cancellationToken = default)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (InconsistentStateException conflict)
        {
            var current = state.State;
            await state.ReadStateAsync(cancellationToken);
            if (!state.RecordExists)
            {
                state.State = current;
                await state.WriteStateAsync(cancellationToken);
                return;
            }

            LogDuplicate(logger, grain.GrainId, grain.Address.SiloAddress?.ToString() ?? "this silo");
            // No exception in the reason: Orleans would fail every call queued on this activation
            // with it; without one they go on to the activation that holds the stored state.
            grain.Deactivate(new DeactivationReason(DeactivationReasonCode.DuplicateActivation, "another activation wrote the grain's state"), CancellationToken.None);
            throw new DuplicateActivationException(grain.GrainId.ToString(), conflict);
        }
    }

    // A warning: the fabric resolves it (the call is asked again and reaches the activation that stays).
    [LoggerMessage(EventId = LogEvents.DuplicateActivation, Level = LogLevel.Warning, Message = "{Grain} on {Silo} found its state written by another activation of it: it stands down (deactivates) without overwriting it")]
    private static partial void LogDuplicate(ILogger logger, GrainId grain, string silo);
}
