using DriftFabric.Abstractions;
using DriftFabric.Engine.Ownership;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Grains.Notifications;

[GenerateSerializer, Alias("driftfabric.WebhookState")]
public sealed class WebhookState
{
    [Id(0)]
    public WebhookConfig? Config { get; set; }

    /// <summary>The last event of the tenant's log this webhook is done with (delivered, filtered out, or given up on).</summary>
    [Id(1)]
    public long Cursor { get; set; }

    [Id(2)]
    public long Delivered { get; set; }

    [Id(3)]
    public long Failed { get; set; }

    [Id(4)]
    public string? LastError { get; set; }

    [Id(5)]
    public bool Retired { get; set; }
}

/// <summary>
/// One webhook of one tenant. A timer follows the tenant's log from the stored cursor and posts
/// each event that passes the filter; a failed post is retried with backoff (1 s, doubling, up to
/// <see cref="MaxAttempts"/> attempts) before the webhook gives up on that event and goes on. The
/// cursor is stored after each event, so a silo's death repeats at most the event in flight
/// (receivers deduplicate by the delivery id). Detection never waits on it: services and tenants
/// only append to the log, which this grain reads on its own time.
/// </summary>
[GrainType("driftfabric.webhook")]
public sealed partial class WebhookGrain(
    [PersistentState("webhook", StorageNames.Grains)] IPersistentState<WebhookState> state,
    WebhookSender sender,
    TimeProvider time,
    PolicyCache policies,
    ILogger<WebhookGrain> logger) : Grain, IWebhookGrain
{
    public const int MaxAttempts = 6;
    private const int PageSize = 100;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MissingKeyWait = TimeSpan.FromSeconds(30);

    private IGrainTimer? _timer;
    private bool _pumping;
    private int _attempts;
    private DateTimeOffset _nextAttempt;
    private Task _lastWrite = Task.CompletedTask;

    private WebhookState State => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Config is not null && !State.Retired)
        {
            Start();
        }

        return Task.CompletedTask;
    }

    public async Task Ensure(WebhookConfig config)
    {
        if (State.Config is null)
        {
            // A new webhook starts at the tenant's newest event: it is not sent the past.
            State.Cursor = (await GrainFactory.GetGrain<ITenantGrain>(config.Tenant).GetSummary()).LastSequence;
        }

        if (!config.Equals(State.Config) || State.Retired)
        {
            State.Config = config;
            State.Retired = false;
            await WriteAsync();
        }

        Start();
    }

    public async Task Retire()
    {
        _timer?.Dispose();
        _timer = null;
        State.Retired = true;
        await WriteAsync();
        DeactivateOnIdle();
    }

    public Task<WebhookStatus> GetStatus() => Task.FromResult(new WebhookStatus(State.Cursor, State.Delivered, State.Failed, State.LastError)
    {
        NextAttemptAt = _nextAttempt > time.GetUtcNow() ? _nextAttempt : null,
    });

    private void Start() =>
        _timer ??= this.RegisterGrainTimer(PumpAsync, new GrainTimerCreationOptions(Tick, Tick) { Interleave = true, KeepAlive = true });

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        if (_pumping || State.Config is not { } config || State.Retired || time.GetUtcNow() < _nextAttempt)
        {
            return;
        }

        _pumping = true;
        try
        {
            var page = await GrainFactory.GetGrain<ITenantGrain>(config.Tenant).ReadEvents(State.Cursor, PageSize, TimeSpan.Zero, cancellationToken);
            if (page.FirstAvailable > State.Cursor + 1 && page.Last > State.Cursor)
            {
                var lost = page.FirstAvailable - 1 - State.Cursor;
                State.LastError = $"events {State.Cursor + 1}..{page.FirstAvailable - 1} were trimmed from the log before they were sent";
                LogTrimmed(logger, config.Key, lost);
                State.Failed += lost;
                State.Cursor = page.FirstAvailable - 1;
            }

            var moved = false;
            foreach (var e in page.Events)
            {
                if (e.Sequence != State.Cursor + 1)
                {
                    continue;
                }

                if (Passes(config, e, out var skippedReview) && !await DeliverAsync(config, e, skippedReview, cancellationToken))
                {
                    // Not given up yet: the next attempt comes after the backoff, from this event.
                    break;
                }

                State.Cursor = e.Sequence;
                moved = true;
            }

            if (moved)
            {
                await WriteAsync();
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    /// <summary>True when the event is done with: delivered, or given up on after the last attempt.</summary>
    private async Task<bool> DeliverAsync(WebhookConfig config, DriftEvent e, bool skippedReview, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(config.SecretEnv) is not { Length: > 0 } secret)
        {
            // Nothing is sent unsigned, and nothing is given up on: the event waits for the key.
            State.LastError = $"webhook {config.Name}: the signing key's environment variable {config.SecretEnv} is not set on this silo";
            _nextAttempt = time.GetUtcNow() + MissingKeyWait;
            LogNoKey(logger, config.Key, config.SecretEnv);
            return false;
        }

        var body = WebhookSender.Body(e, config.Format, skippedReview);
        var error = await sender.PostAsync(new Uri(config.Url), body, System.Text.Encoding.UTF8.GetBytes(secret), e, cancellationToken);
        if (error is null)
        {
            State.Delivered++;
            State.LastError = null;
            _attempts = 0;
            return true;
        }

        _attempts++;
        State.LastError = $"webhook {config.Name}, event {e.Sequence}: {error}";
        if (_attempts < MaxAttempts)
        {
            _nextAttempt = time.GetUtcNow() + FirstBackoff * (1 << (_attempts - 1));
            LogRetrying(logger, config.Key, e.Sequence, _attempts, error);
            return false;
        }

        LogGaveUp(logger, config.Key, e.Sequence, _attempts, error);
        State.Failed++;
        _attempts = 0;
        return true;
    }

    /// <summary>The webhook's filter; <paramref name="skippedReview"/>: the drift was written by an out-of-band manager.</summary>
    private bool Passes(WebhookConfig config, DriftEvent e, out bool skippedReview)
    {
        var d = e.Drift;
        skippedReview = d.Manager is { } manager
            && policies.EngineFor(config.Policy, "default").Policy.Managers.Classify(manager, operation: null, subresource: null) == ManagerClass.OutOfBand;
        return d.Severity >= config.MinSeverity
            && (config.Kinds.Count == 0 || config.Kinds.Contains(d.Kind))
            && (config.Events.Count == 0 || config.Events.Contains(e.Type))
            && (!config.SkippedReview || skippedReview);
    }

    /// <summary>Writes go one at a time: the timer interleaves with configuration calls.</summary>
    private Task WriteAsync()
    {
        var previous = _lastWrite;
        _lastWrite = Next();
        return _lastWrite;

        async Task Next()
        {
            await previous.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await state.WriteAsync(GrainContext, logger);
        }
    }

    [LoggerMessage(EventId = LogEvents.WebhookNotDelivered, Level = LogLevel.Warning, Message = "Webhook {Webhook}: event {Sequence} not delivered (attempt {Attempt}), retrying: {Error}")]
    private static partial void LogRetrying(ILogger logger, string webhook, long sequence, int attempt, string error);

    [LoggerMessage(EventId = LogEvents.WebhookGaveUp, Level = LogLevel.Error, Message = "Webhook {Webhook}: gave up on event {Sequence} after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string webhook, long sequence, int attempts, string error);

    [LoggerMessage(EventId = LogEvents.WebhookSecretMissing, Level = LogLevel.Error, Message = "Webhook {Webhook}: the environment variable {SecretEnv} holding its signing key is not set; events wait")]
    private static partial void LogNoKey(ILogger logger, string webhook, string secretEnv);

    [LoggerMessage(EventId = LogEvents.WebhookTrimmed, Level = LogLevel.Error, Message = "Webhook {Webhook}: {Lost} events were trimmed from the log before they were sent")]
    private static partial void LogTrimmed(ILogger logger, string webhook, long lost);
}
