namespace DriftFabric.Testing;

/// <summary>
/// Waits for what the fabric reaches on its own (a background publish, a proxy poll, a watch
/// after a silo loss): polls a probe until it holds. Nothing is timed: the patience only bounds
/// how long a test waits for something that never comes.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one probe may take before it counts as not yet: a grain call sent just as its
    /// silo died can wait for its response until the fabric's response timeout (minutes), and the
    /// next probe is routed anew.
    /// </summary>
    private static readonly TimeSpan ProbePatience = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    /// <summary>Reads until <paramref name="done"/> holds or the patience runs out, and returns the last value either way, for the assertion after it to show.</summary>
    public static async Task<T> ReachAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(Period);
            value = await read();
        }

        return value;
    }

    /// <inheritdoc cref="ReachAsync{T}(Func{Task{T}}, Func{T, bool}, TimeSpan?)"/>
    public static Task<T> ReachAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan? patience = null) =>
        ReachAsync(() => Task.FromResult(read()), done, patience);

    /// <summary>
    /// Polls until <paramref name="condition"/> holds; when it never does, throws with what
    /// <paramref name="describe"/> says of the state reached. A probe that throws counts as not
    /// yet, and its last error is named.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, Func<Task<string>> describe, TimeSpan? patience = null, TimeSpan? period = null)
    {
        var started = DateTime.UtcNow;
        var deadline = started + (patience ?? Patience);
        Exception? last = null;
        var probes = 0;
        var slowest = TimeSpan.Zero;
        while (DateTime.UtcNow < deadline)
        {
            var probe = DateTime.UtcNow;
            probes++;
            try
            {
                if (await condition().WaitAsync(ProbePatience))
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = e;
            }

            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, (DateTime.UtcNow - probe).Ticks));
            await Task.Delay(period ?? Period);
        }

        var probed = $"{probes} probes from {started:HH:mm:ss.fff} to {DateTime.UtcNow:HH:mm:ss.fff} UTC, the slowest {slowest.TotalSeconds:0.0} s";
        throw new TimeoutException($"never got there ({probed}): {await describe()}{(last is null ? string.Empty : "; last error: " + last.Message)}");
    }
}
