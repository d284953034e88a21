namespace DriftFabric.Grains;

/// <summary>
/// A grain timer that runs its action once, after its delay, and keeps the grain active until
/// then. Started again while due, it is kept, or started over when asked to.
/// </summary>
/// <param name="register">How the grain registers a timer (<c>this.RegisterGrainTimer</c>).</param>
internal sealed class OnceTimer(Func<Func<CancellationToken, Task>, GrainTimerCreationOptions, IGrainTimer> register)
{
    private IGrainTimer? _timer;

    public void Start(TimeSpan due, Func<CancellationToken, Task> action, bool restart = false)
    {
        if (_timer is not null && !restart)
        {
            return;
        }

        _timer?.Dispose();
        _timer = register(
            cancellationToken =>
            {
                _timer?.Dispose();
                _timer = null;
                return action(cancellationToken);
            },
            new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
    }
}
