using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DriftFabric.Silo.Api;

/// <summary>
/// A bearer token of the API, the tenants it may read (<c>*</c>: every tenant), and its scopes:
/// <c>read</c> (always), <c>write</c> to act on drift (remediation).
/// </summary>
public sealed class ApiToken
{
    public string Token { get; set; } = string.Empty;

    /// <summary>Who holds the token (a team, a pipeline): the actor remediations made with it are recorded as. Default: <c>token-INDEX</c>.</summary>
    public string? Name { get; set; }

    public List<string> Tenants { get; set; } = [];

    public List<string> Scopes { get; set; } = [];
}

/// <summary>
/// The API's bearer tokens: from configuration (<c>DriftFabric:Api:Tokens</c>, e.g. the environment
/// variables <c>DRIFTFABRIC__API__TOKENS__0__TOKEN</c> and <c>DRIFTFABRIC__API__TOKENS__0__TENANTS__0</c>),
/// or, when none is configured, one generated at start for every tenant and printed once.
/// Tokens are kept only as SHA-256 digests and compared in constant time.
/// </summary>
public sealed class ApiTokens
{
    public const string Section = "DriftFabric:Api:Tokens";
    public const string AllTenants = "*";
    public const string ReadScope = "read";
    public const string WriteScope = "write";

    private readonly List<(byte[] Digest, string Name, HashSet<string> Tenants, bool Write)> _tokens = [];

    private ApiTokens()
    {
    }

    /// <summary>The token made at start because configuration has none (shown once, to whoever started the silo); null otherwise.</summary>
    public string? Generated { get; private set; }

    public int Count => _tokens.Count;

    /// <exception cref="InvalidOperationException">A configured token is empty, too short, or scoped to no tenant.</exception>
    public static ApiTokens From(IConfiguration configuration)
    {
        var tokens = new ApiTokens();
        var configured = configuration.GetSection(Section).Get<List<ApiToken>>() ?? [];
        for (var i = 0; i < configured.Count; i++)
        {
            var token = configured[i];
            if (token.Token.Length < 16)
            {
                throw new InvalidOperationException($"{Section}:{i}:Token must be at least 16 characters");
            }

            if (token.Tenants.Count == 0)
            {
                throw new InvalidOperationException($"{Section}:{i}:Tenants names no tenant (use \"{AllTenants}\" for all)");
            }

            if (token.Scopes.Find(scope => scope is not (ReadScope or WriteScope)) is { } unknown)
            {
                throw new InvalidOperationException($"{Section}:{i}:Scopes: '{unknown}' is not a scope (read, write)");
            }

            tokens.Add(token.Token, token.Name is { Length: > 0 } name ? name : $"token-{i}", token.Tenants, token.Scopes.Contains(WriteScope));
        }

        if (tokens.Count == 0)
        {
            // Shown once, to whoever started the silo: theirs to read and to act with.
            tokens.Generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
            tokens.Add(tokens.Generated, "generated", [AllTenants], write: true);
        }

        return tokens;
    }

    /// <summary>The name of a presented token, the tenants it may read and whether it may write, or null when it is no token of ours.</summary>
    public (string Name, IReadOnlySet<string> Tenants, bool Write)? Find(string presented)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        (string, IReadOnlySet<string>, bool)? found = null;
        foreach (var (known, name, tenants, write) in _tokens)
        {
            // Every token is compared, in constant time: timing tells nothing of which matched.
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                found = (name, tenants, write);
            }
        }

        return found;
    }

    private void Add(string token, string name, IEnumerable<string> tenants, bool write) =>
        _tokens.Add((SHA256.HashData(Encoding.UTF8.GetBytes(token)), name, new HashSet<string>(tenants, StringComparer.Ordinal), write));
}

/// <summary>Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against <see cref="ApiTokens"/>; the tenants become claims.</summary>
public sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string TenantClaim = "driftfabric:tenant";
    public const string ScopeClaim = "driftfabric:scope";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (tokens.Find(header["Bearer ".Length..].Trim()) is not var (name, tenants, write))
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown token"));
        }

        var claims = tenants.Select(t => new Claim(TenantClaim, t)).Append(new Claim(ScopeClaim, ApiTokens.ReadScope)).Append(new Claim(ClaimTypes.Name, name));
        var identity = new ClaimsIdentity(write ? claims.Append(new Claim(ScopeClaim, ApiTokens.WriteScope)) : claims, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? "this silo knows no such bearer token"
            : "a bearer token is required (Authorization: Bearer <token>)";
        return Results.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Results.Problem(detail: "this token is not scoped to the tenant", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(Context);
}

/// <summary>The data of an <c>error</c> event that ends an event stream: one clear line (an answer that is an error is a problem, RFC 9457).</summary>
public sealed record ApiError(string Error);

internal static class TenantAccess
{
    public static bool MayRead(this ClaimsPrincipal user, string tenant) =>
        user.HasClaim(ApiTokenHandler.TenantClaim, ApiTokens.AllTenants) || user.HasClaim(ApiTokenHandler.TenantClaim, tenant);

    public static bool MayReadEveryTenant(this ClaimsPrincipal user) => user.HasClaim(ApiTokenHandler.TenantClaim, ApiTokens.AllTenants);

    public static bool MayWrite(this ClaimsPrincipal user, string tenant) => user.MayRead(tenant) && user.HasClaim(ApiTokenHandler.ScopeClaim, ApiTokens.WriteScope);
}
