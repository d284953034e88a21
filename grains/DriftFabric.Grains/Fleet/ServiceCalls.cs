using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

/// <summary>One service's answer to a call a cluster made to many: its result, or why there is none.</summary>
internal readonly record struct ServiceAnswer<T>(string Service, T? Result, Exception? Error);

/// <summary>
/// A cluster's calls to many of its services at once. A service that fails (its silo just died,
/// storage is down) is an answer with its exception, logged, never an escape that loses the
/// others' answers.
/// </summary>
internal static class ServiceCalls
{
    public static async Task<ServiceAnswer<T>[]> AllAsync<T>(
        IGrainFactory grains, IEnumerable<string> services, Func<string, IServiceGrain, Task<T>> call, Action<string, Exception> failed)
    {
        return await Task.WhenAll(services.Select(async service =>
        {
            try
            {
                return new ServiceAnswer<T>(service, await call(service, grains.GetGrain<IServiceGrain>(service)), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed(service, e);
                return new ServiceAnswer<T>(service, default, e);
            }
        }));
    }
}
