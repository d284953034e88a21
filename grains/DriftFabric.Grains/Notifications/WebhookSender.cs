using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Notifications;

/// <summary>
/// Posts drift events to webhooks: the body as JSON (the event, and a line of text) or as a
/// Slack-compatible message, signed with HMAC-SHA256 over the body in
/// <c>X-DriftFabric-Signature: sha256=&lt;hex&gt;</c>. The silo makes its <see cref="HttpClient"/>
/// with <c>IHttpClientFactory</c> (<see cref="HttpClientName"/>: a 10 s timeout per delivery).
/// </summary>
public sealed class WebhookSender(HttpClient http)
{
    /// <summary>The name of the silo's <c>IHttpClientFactory</c> client for webhook deliveries.</summary>
    public const string HttpClientName = "webhooks";

    /// <summary>How long a receiver has to answer one delivery.</summary>
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(10);

    public const string SignatureHeader = "X-DriftFabric-Signature";
    public const string EventHeader = "X-DriftFabric-Event";
    public const string DeliveryHeader = "X-DriftFabric-Delivery";

    private static readonly JsonSerializerOptions Json = FabricJson.Create();

    /// <summary>The body a webhook of <paramref name="format"/> receives for one event.</summary>
    public static byte[] Body(DriftEvent e, string format, bool skippedReview) => format == "slack"
        ? JsonSerializer.SerializeToUtf8Bytes(new SlackMessage(Text(e, skippedReview, slack: true)), Json)
        : JsonSerializer.SerializeToUtf8Bytes(new WebhookPayload(e, skippedReview, Text(e, skippedReview, slack: false)), Json);

    /// <summary><c>sha256=</c> and the hex HMAC-SHA256 of the body under the key: what a receiver recomputes to trust a delivery.</summary>
    public static string Signature(byte[] key, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    /// <summary>One attempt to deliver; null when the receiver took it (2xx), else why not.</summary>
    public async Task<string?> PostAsync(Uri url, byte[] body, byte[] key, DriftEvent e, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Signature(key, body));
        request.Headers.Add(EventHeader, e.Type.ToString().ToLowerInvariant());
        request.Headers.Add(DeliveryHeader, $"{e.Tenant}-{e.Sequence.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"{url.Authority} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException ex)
        {
            // Only the host is named: a webhook's path often carries its own secret (Slack's do).
            return $"{url.Authority}: {ex.HttpRequestError switch { HttpRequestError.ConnectionError => "connection refused or reset", HttpRequestError.NameResolutionError => "name not resolved", _ => ex.HttpRequestError.ToString() }}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{url.Authority} did not answer within {http.Timeout.TotalSeconds:0} s";
        }
    }

    /// <summary>One line for people: what drifted where, how severe, and who changed it (and that it skipped review).</summary>
    public static string Text(DriftEvent e, bool skippedReview, bool slack)
    {
        var d = e.Drift;
        string Bold(string text) => slack ? $"*{text}*" : text;
        string Code(string text) => slack ? $"`{text}`" : text;
        var field = d.Path.Length == 0 ? Code(d.Resource) : $"{Code(d.Resource)} {Code(d.Path)}";
        var where = $"{e.Tenant}/{e.Service.Cluster} {e.Service.Namespace}/{e.Service.Name}";
        var what = (e.Type, d.Kind) switch
        {
            (DriftEventType.Resolved, _) => "is back in line with the code",
            (DriftEventType.Remediated, _) when e.Remediation is { } note => $"was acted on: {note.Action} by {note.Actor}, {note.Outcome.ToWire()}: {note.Message}",
            (_, DriftKind.Unmanaged) => "is in the cluster but not in the code",
            (_, DriftKind.Missing) when d.Path.Length == 0 => "is in the code but not in the cluster",
            (_, DriftKind.Missing) => $"lost {Value(d.Desired)}",
            (_, DriftKind.Added) => $"gained {Value(d.Live)}",
            _ => $"is {Value(d.Live)}, code says {Value(d.Desired)}",
        };
        var who = d.Manager is null || e.Type == DriftEventType.Remediated ? string.Empty
            : skippedReview ? $"; changed by {Bold(d.Manager)} outside review"
            : $"; changed by {d.Manager}";
        return $"{Bold(d.Severity.ToString().ToLowerInvariant())} drift {e.Type.ToString().ToLowerInvariant()} in {where}: {field} {what}{who}";
    }

    private static string Value(string? json) => json is null ? "(absent)" : json.Length <= 80 ? json : string.Concat(json.AsSpan(0, 77), "...");

    /// <summary>The generic body: the event as the API serves it, whether it skipped review, and the text line.</summary>
    public sealed record WebhookPayload(DriftEvent Event, bool SkippedReview, string Text);

    /// <summary>What a Slack incoming webhook (and its look-alikes) takes.</summary>
    public sealed record SlackMessage(string Text);
}
