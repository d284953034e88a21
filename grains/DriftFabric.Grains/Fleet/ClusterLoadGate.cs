namespace DriftFabric.Grains.Fleet;

/// <summary>
/// How many clusters of one silo read and route their sources at once. A full read holds the
/// cluster's parsed sources until its services have them; a thousand clusters loading at once
/// would hold them all, so the silo's peak memory would be many times its steady state. One per
/// silo (a service of its container, not a static: two silos in one process keep their own).
/// </summary>
public sealed class ClusterLoadGate(int concurrency) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(concurrency > 0 ? concurrency : throw new ArgumentOutOfRangeException(nameof(concurrency), concurrency, "at least one cluster loads at a time"));

    /// <summary>The gate of a silo on this machine: as many loads as processors, at least two.</summary>
    public static ClusterLoadGate ForThisMachine() => new(Math.Max(2, Environment.ProcessorCount));

    /// <summary>Runs <paramref name="load"/> when a place is free.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> load)
    {
        await _gate.WaitAsync();
        try
        {
            return await load();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
