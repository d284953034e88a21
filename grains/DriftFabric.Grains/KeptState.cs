using DriftFabric.Abstractions;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains;

/// <summary>
/// A grain's state written through to storage when storage answers, and kept in the activation
/// when it does not: while Redis is down a grain goes on judging, its state in memory the newest
/// truth, and writes it once Redis answers again. Nothing is lost but what a silo's death takes
/// with it while storage is down. Writes are not even tried while the silo knows storage is
/// down (each would wait out the client's backlog timeout and log a failure).
/// </summary>
internal sealed partial class KeptState<T>(IPersistentState<T> state, IGrainContext context, FabricHealth health, ILogger logger, string grain)
{
    /// <summary>True while the activation holds state that storage does not have yet.</summary>
    public bool Unsaved { get; private set; }

    /// <summary>Writes the state; false (and <see cref="Unsaved"/>) when storage could not take it, which is no error of the caller's.</summary>
    public async Task<bool> TryWriteAsync(CancellationToken cancellationToken = default)
    {
        if (!health.IsHealthy(FabricHealth.Storage))
        {
            Unsaved = true;
            return false;
        }

        try
        {
            await state.WriteAsync(context, logger, cancellationToken);
            if (Unsaved)
            {
                LogStored(logger, grain);
            }

            Unsaved = false;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException and not DuplicateActivationException)
        {
            if (!Unsaved)
            {
                LogKept(logger, grain, e.GetBaseException().Message);
            }

            Unsaved = true;
            return false;
        }
    }

    [LoggerMessage(EventId = LogEvents.StateKept, Level = LogLevel.Warning, Message = "{Grain} could not store its state ({Reason}); it keeps it and stores it when storage answers again")]
    private static partial void LogKept(ILogger logger, string grain, string reason);

    [LoggerMessage(EventId = LogEvents.StateStored, Level = LogLevel.Information, Message = "{Grain} stored the state it kept while storage was down")]
    private static partial void LogStored(ILogger logger, string grain);
}
