using DriftFabric.Abstractions;

namespace DriftFabric.Grains;

/// <summary>
/// Grain calls that a fabric in motion can fail for a moment: an activation that stood down for a
/// duplicate (as silos join, two can activate one grain; the second to write stands down), a silo
/// that just died, a message the runtime refused while membership settles. Asked again, the call
/// reaches the activation that stays.
/// </summary>
internal static class GrainCalls
{
    private const int Attempts = 5;

    public static async Task<T> RetryTransientAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < Attempts && IsTransient(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), cancellationToken);
            }
        }
    }

    public static Task RetryTransientAsync(Func<Task> call, CancellationToken cancellationToken = default) =>
        RetryTransientAsync(async () =>
        {
            await call();
            return true;
        }, cancellationToken);

    private static bool IsTransient(Exception e) => e is DuplicateActivationException or SiloUnavailableException or OrleansMessageRejectionException;
}
