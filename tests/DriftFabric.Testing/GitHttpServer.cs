using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DriftFabric.Testing;

/// <summary>
/// Git's smart HTTP protocol on loopback: a Kestrel server that runs the real <c>git
/// http-backend</c> as a CGI program for each request, over a folder's repositories, and that can
/// require a token (as the password of Basic auth, or a Bearer token): a request without it is
/// answered 401 as a Git host would. It keeps every request's path and Authorization header.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GitHttpServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>Every request served: its method, path and query, and its Authorization header (or null).</summary>
    public ConcurrentQueue<(string Request, string? Authorization)> Requests { get; } = new();

    public string UrlOf(string name) => new Uri(BaseUri, name + ".git").ToString();

    /// <param name="token">The token a request must carry; null serves everyone.</param>
    public static async Task<GitHttpServer> StartAsync(string servedFolder, string? token = null)
    {
        GitHttpServer? server = null;
        var (app, baseUri) = await LoopbackWeb.StartAsync(app => app.Map("/{**path}", context => server!.ServeAsync(context, servedFolder, token)));
        server = new GitHttpServer(app, baseUri);
        return server;
    }

    private async Task ServeAsync(HttpContext context, string servedFolder, string? token)
    {
        var request = context.Request;
        var authorization = request.Headers.Authorization.ToString();
        Requests.Enqueue(($"{request.Method} {request.Path}{request.QueryString}", authorization.Length > 0 ? authorization : null));
        if (token is not null && !Authorized(authorization, token))
        {
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
            return;
        }

        // A repository asked for as NAME.git is served from the folder NAME.
        var path = request.Path.Value!;
        var dotGit = path.IndexOf(".git/", StringComparison.Ordinal);
        if (dotGit >= 0)
        {
            path = path[..dotGit] + path[(dotGit + 4)..];
        }

        var start = new ProcessStartInfo("git", "http-backend") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["GIT_PROJECT_ROOT"] = servedFolder;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["REQUEST_METHOD"] = request.Method;
        start.Environment["PATH_INFO"] = path;
        start.Environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        start.Environment["REMOTE_USER"] = token is null ? string.Empty : "git";
        start.Environment["GIT_PROTOCOL"] = request.Headers["Git-Protocol"].ToString();
        start.Environment["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        start.Environment["CONTENT_LENGTH"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var backend = Process.Start(start)!;
        var stderr = backend.StandardError.ReadToEndAsync();
        var stdout = new MemoryStream();
        var reading = backend.StandardOutput.BaseStream.CopyToAsync(stdout);
        body.Position = 0;
        await body.CopyToAsync(backend.StandardInput.BaseStream);
        backend.StandardInput.Close();
        await reading;
        await backend.WaitForExitAsync();
        await stderr;
        await WriteCgiAsync(context.Response, stdout.ToArray());
    }

    private static bool Authorized(string authorization, string token)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return authorization[7..] == token;
        }

        if (!authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        var userAndPassword = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..]));
        return userAndPassword[(userAndPassword.IndexOf(':', StringComparison.Ordinal) + 1)..] == token;
    }

    /// <summary>A CGI answer: header lines (<c>Status:</c> among them) up to a blank line, then the body.</summary>
    private static async Task WriteCgiAsync(HttpResponse response, byte[] output)
    {
        var end = 0;
        var bodyAt = output.Length;
        for (var i = 0; i < output.Length - 1; i++)
        {
            if (output[i] == '\n' && (output[i + 1] == '\n' || (output[i + 1] == '\r' && i + 2 < output.Length && output[i + 2] == '\n')))
            {
                end = i;
                bodyAt = i + (output[i + 1] == '\n' ? 2 : 3);
                break;
            }
        }

        foreach (var line in Encoding.ASCII.GetString(output, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon], line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                response.Headers[name] = value;
            }
        }

        await response.Body.WriteAsync(output.AsMemory(bodyAt));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
