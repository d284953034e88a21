using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Proxies;

/// <summary>
/// Puts a running proxy back as its config declares it: Caddy by loading the declared config
/// through its admin API (<c>POST /load</c>), HAProxy server by server through its runtime API
/// (<c>set server</c>: state, weight, address). Envoy is not written: a sidecar takes its config
/// from its control plane.
/// </summary>
public static class ProxyWriter
{
    /// <summary>
    /// Loads <paramref name="config"/> as Caddy's whole config. With the <paramref name="etag"/> of the
    /// config that was judged, it replaces that config only (<c>POST /config/</c> with <c>If-Match</c>):
    /// a config changed since is a <see cref="ProxyChangedException"/>, never overwritten. Without one
    /// (a Caddy that gives none), <c>POST /load</c>. A <see cref="ProxyReadException"/> when Caddy
    /// refuses or cannot be reached.
    /// </summary>
    public static Task LoadCaddyAsync(string admin, byte[] config, string? etag, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ProxyReader.WithinAsync(admin, timeout, null, async deadline =>
        {
            var uri = new Uri(new Uri(admin), etag is null ? "/load" : "/config/");
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(config) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", etag);
            }

            using var response = await ProxyReader.Http.SendAsync(request, deadline);
            if (response.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
            {
                throw new ProxyChangedException(admin);
            }

            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(deadline);
                throw new ProxyReadException(ProxyProblem.Invalid, admin, $"{uri} refused the config: {(int)response.StatusCode} {body.Trim()}");
            }

            return true;
        }, cancellationToken);

    /// <summary>
    /// The runtime API commands that put HAProxy's servers back as declared, one per drift it can
    /// undo (state, weight, address), and the drifts it cannot (a server missing or added: the
    /// runtime API does not add or remove configured servers).
    /// </summary>
    public static (List<string> Commands, List<Drift> Unfixable) HaproxyCommands(IEnumerable<Drift> drifts)
    {
        var commands = new List<string>();
        var unfixable = new List<Drift>();
        foreach (var drift in drifts)
        {
            // /backends/<backend>/servers/<server>/<field>
            var parts = drift.Path.Split('/');
            if (parts.Length != 6 || drift.Desired is not ScalarNode desired)
            {
                unfixable.Add(drift);
                continue;
            }

            var server = $"{Paths.PathStep.Unescape(parts[2])}/{Paths.PathStep.Unescape(parts[4])}";
            switch (parts[5])
            {
                case "state":
                    commands.Add($"set server {server} state {desired.Text}");
                    break;
                case "weight":
                    commands.Add(string.Create(CultureInfo.InvariantCulture, $"set server {server} weight {desired.Text}"));
                    break;
                case "address" when desired.Text.LastIndexOf(':') is var colon and > 0:
                    commands.Add($"set server {server} addr {desired.Text[..colon]} port {desired.Text[(colon + 1)..]}");
                    break;
                default:
                    unfixable.Add(drift);
                    break;
            }
        }

        return (commands, unfixable);
    }

    /// <summary>Sends each command over the runtime API; an answer that is an error stops and is thrown, naming the command.</summary>
    public static async Task RunHaproxyAsync(string endpoint, IReadOnlyList<string> commands, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        foreach (var command in commands)
        {
            var answer = Encoding.UTF8.GetString(await ProxyReader.WithinAsync(endpoint, timeout, command, deadline => ProxyReader.RuntimeApiAsync(endpoint, command, deadline), cancellationToken)).Trim();

            // Success is silence, or a note of what changed ("IP changed from ... to ...").
            if (answer.Length > 0 && !answer.Contains("changed from", StringComparison.Ordinal) && !answer.StartsWith("no need to change", StringComparison.Ordinal))
            {
                throw new ProxyReadException(ProxyProblem.Invalid, endpoint, $"'{command}' was refused: {answer}");
            }
        }
    }
}

/// <summary>A proxy's config changed between the read that judged it and the write that would have replaced it.</summary>
public sealed class ProxyChangedException(string admin)
    : Exception($"{ProxyReadException.Redact(admin)}: the config changed after it was read (If-Match did not hold); nothing was written");
