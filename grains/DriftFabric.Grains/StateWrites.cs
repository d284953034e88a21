using Orleans.Storage;

namespace DriftFabric.Grains;

internal static class StateWrites
{
    /// <summary>
    /// Writes grain state; when storage holds another version (its copy was lost with a silo, or
    /// reset), the activation's state is the newest truth: it takes the stored version's ETag and
    /// writes again, instead of failing every later write.
    /// </summary>
    public static async Task WriteAsync<T>(this IPersistentState<T> state, CancellationToken cancellationToken = default)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (InconsistentStateException)
        {
            var current = state.State;
            await state.ReadStateAsync(cancellationToken);
            state.State = current;
            await state.WriteStateAsync(cancellationToken);
        }
    }
}
