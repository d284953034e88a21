using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DriftFabric.Testing;

/// <summary>A webhook endpoint on a free loopback port (real Kestrel) that keeps what it is sent, and can be told to fail or to hang.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Delivery> _received = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _failures;
    private volatile bool _hang;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>A request as it arrived, and whether it was answered 2xx.</summary>
    public sealed record Delivery(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, bool Accepted);

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Delivery> Received => [.. _received];

    public IReadOnlyList<Delivery> Accepted => [.. _received.Where(d => d.Accepted)];

    /// <summary>The next <paramref name="count"/> requests are answered 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    /// <summary>While set, requests are held open and never answered.</summary>
    public bool Hang
    {
        get => _hang;
        set => _hang = value;
    }

    /// <param name="route">The route POSTs are taken on (e.g. <c>/v1/{signal}</c> for an OTLP collector).</param>
    public static async Task<WebhookReceiver> StartAsync(string route = "/hooks/{name}")
    {
        WebhookReceiver? receiver = null;
        var (_, baseUri) = await LoopbackWeb.StartAsync(app =>
        {
            receiver = new WebhookReceiver(app);
            app.MapPost(route, (Func<HttpContext, Task<IResult>>)receiver.ReceiveAsync);
        });
        receiver!.Url = new Uri(baseUri, route == "/hooks/{name}" ? "hooks/drift" : string.Empty);
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> requests were accepted; fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAcceptedAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Accepted.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Accepted.Count} of {count} deliveries accepted after {timeout}; {Received.Count} received");
            }

            await Task.Delay(50);
        }

        return Accepted;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (_hang)
        {
            _received.Enqueue(new Delivery(context.Request.Path, headers, body.ToArray(), Accepted: false));
            using var held = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.RequestAborted);
            await Task.Delay(Timeout.Infinite, held.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.StatusCode(503);
        }

        var fail = Interlocked.Decrement(ref _failures) >= 0;
        _received.Enqueue(new Delivery(context.Request.Path, headers, body.ToArray(), Accepted: !fail));
        return fail ? Results.StatusCode(500) : Results.Ok();
    }
}
