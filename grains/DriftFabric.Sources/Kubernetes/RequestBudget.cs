namespace DriftFabric.Sources.Kubernetes;

/// <summary>
/// How many requests an API server may be sent: a bucket of <c>burst</c> tokens that gets
/// <c>qps</c> back every second, on the clock it is given (so a test moves it by hand; the
/// framework's token bucket refills on the machine's clock even when refilled by hand). A request
/// without a token waits for the next refill, in the order it came.
/// </summary>
internal sealed class RequestBudget : IAsyncDisposable
{
    private static readonly TimeSpan RefillPeriod = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _tokens;
    private readonly int _qps;
    private readonly int _burst;
    private readonly ITimer _refill;
    private readonly Lock _lock = new();
    private int _waiting;

    public RequestBudget(int qps, int burst, TimeProvider time)
    {
        _qps = Math.Max(1, qps);
        _burst = Math.Max(1, burst);
        _tokens = new SemaphoreSlim(_burst, _burst);
        _refill = time.CreateTimer(_ => Refill(), null, RefillPeriod, RefillPeriod);
    }

    /// <summary>Requests that found no token and wait for one.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public async Task AcquireAsync(CancellationToken ct)
    {
        if (_tokens.Wait(0, CancellationToken.None))
        {
            return;
        }

        Interlocked.Increment(ref _waiting);
        try
        {
            await _tokens.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _refill.DisposeAsync();
        _tokens.Dispose();
    }

    private void Refill()
    {
        lock (_lock)
        {
            // Only this adds tokens, so the room left can only have grown since it was read.
            var room = _burst - _tokens.CurrentCount;
            if (room > 0)
            {
                _tokens.Release(Math.Min(_qps, room));
            }
        }
    }
}
