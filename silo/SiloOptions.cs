using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DriftFabric.Silo;

/// <summary>
/// The silo's settings, section <c>DriftFabric</c>: from appsettings files, the environment
/// (<c>DRIFTFABRIC__FLEET</c>, <c>DRIFTFABRIC__REDIS</c>, <c>DRIFTFABRIC__APIPORT</c>...) and the
/// command line (<c>--fleet</c>, <c>--redis</c>, <c>--api-port</c>...), each overriding the one
/// before. Validated before the silo starts (<see cref="SiloOptionsValidator"/>).
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "DriftFabric";

    public const string Usage = "usage: driftfabric-silo [--fleet PATH] [--silo-port N] [--gateway-port N] [--redis HOST:PORT] [--address IP] [--api-port N] [--api-address IP] [--webhook-port N] [--webhook-address IP] [--kubernetes-hosting true]\n"
        + "  each option can also be set as DRIFTFABRIC__<NAME> (DRIFTFABRIC__FLEET, DRIFTFABRIC__SILOPORT, DRIFTFABRIC__REDIS...) or in appsettings.json (section DriftFabric)\n"
        + "  --redis: Redis-backed fabric (clustering, grain state, reminders, durable event log)\n"
        + "  --address: the IP other silos and clients reach this silo on (Redis fabric; default: this host's address)\n"
        + "  --api-port, --api-address: where the HTTP API listens (default 127.0.0.1:5080)\n"
        + "  --webhook-port, --webhook-address: where the sidecar injector's HTTPS webhook listens (default port 9443, the API's address)\n"
        + "  --kubernetes-hosting: Orleans' Kubernetes hosting (Redis fabric in a pod: POD_NAME, POD_NAMESPACE and POD_IP from the downward API)";

    public const int DefaultApiPort = 5080;

    public const int DefaultWebhookPort = 9443;

    /// <summary>The command line's options and the settings they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--fleet"] = Section + ":" + nameof(Fleet),
        ["--silo-port"] = Section + ":" + nameof(SiloPort),
        ["--gateway-port"] = Section + ":" + nameof(GatewayPort),
        ["--redis"] = Section + ":" + nameof(Redis),
        ["--address"] = Section + ":" + nameof(Address),
        ["--api-port"] = Section + ":" + nameof(ApiPort),
        ["--api-address"] = Section + ":" + nameof(ApiAddress),
        ["--webhook-port"] = Section + ":" + nameof(WebhookPort),
        ["--webhook-address"] = Section + ":" + nameof(WebhookAddress),
        ["--kubernetes-hosting"] = Section + ":" + nameof(KubernetesHosting),
    };

    /// <summary>The downward API's variables Kubernetes hosting reads: the pod's name, its namespace and its IP.</summary>
    public static readonly IReadOnlyList<string> PodVariables =
    [
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNameEnvironmentVariable,
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNamespaceEnvironmentVariable,
        Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodIPEnvironmentVariable,
    ];

    /// <summary>The fleet spec; the repository's example fleet when none is given.</summary>
    public string? Fleet { get; set; }

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The Redis configuration (<c>host:port</c>) for a fleet-scale fabric; none for the embedded default.</summary>
    public string? Redis { get; set; }

    /// <summary>The address this silo advertises to the others; none for Orleans' choice.</summary>
    public string? Address { get; set; }

    /// <summary>The port of the HTTP API.</summary>
    public int ApiPort { get; set; } = DefaultApiPort;

    /// <summary>The address the HTTP API listens on: loopback unless asked otherwise.</summary>
    public string ApiAddress { get; set; } = IPAddress.Loopback.ToString();

    /// <summary>The port of the sidecar injector's admission webhook (HTTPS, <c>POST /inject</c> only).</summary>
    public int WebhookPort { get; set; } = DefaultWebhookPort;

    /// <summary>The address the webhook listens on; the API's when not given.</summary>
    public string? WebhookAddress { get; set; }

    /// <summary>The injector's certificate, cluster and agent (section <c>DriftFabric:Webhook</c>).</summary>
    public Injection.WebhookOptions Webhook { get; set; } = new();

    /// <summary>
    /// Orleans' Kubernetes hosting (<c>UseKubernetesHosting</c>): the silo is named for its pod,
    /// advertises the pod's IP, labels its pod with the fabric's service and cluster ids, and
    /// declares dead a silo whose pod was deleted. A Redis fabric in a pod only.
    /// </summary>
    public bool KubernetesHosting { get; set; }

    // Resolved values are methods, not properties: the configuration binder reads properties.

    /// <summary>The fleet spec's full path (valid once validated).</summary>
    public string FleetPath() => Path.GetFullPath(string.IsNullOrWhiteSpace(Fleet) ? FindExampleFleet() ?? throw new InvalidOperationException("no fleet spec") : Fleet);

    /// <summary>The Redis configuration, or null for the embedded fabric.</summary>
    public string? RedisOrNull() => string.IsNullOrWhiteSpace(Redis) ? null : Redis.Trim();

    public IPAddress? AdvertisedAddress() => string.IsNullOrWhiteSpace(Address) ? null : IPAddress.Parse(Address);

    public IPAddress ApiIPAddress() => IPAddress.Parse(ApiAddress);

    public IPAddress WebhookIPAddress() => string.IsNullOrWhiteSpace(WebhookAddress) ? ApiIPAddress() : IPAddress.Parse(WebhookAddress);

    /// <summary>The example fleet shipped in the repository, found from the working directory or the binary upwards.</summary>
    public static string? FindExampleFleet()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", "examples", "driftfabric.yaml");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The host's own settings a launcher may pass (<c>--environment=Development</c>), besides the silo's.</summary>
    private static readonly HashSet<string> HostSettings = new(["environment", "contentRoot", "applicationName", "webroot"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The first argument that is not an option of <see cref="Switches"/> with its value
    /// (<c>--fleet PATH</c> or <c>--fleet=PATH</c>), a configuration key with its value
    /// (<c>--DriftFabric:Api:Tokens:0:Token=...</c>) or a host setting; null when all are.
    /// </summary>
    public static string? CheckArguments(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is > 2 and var equals)
            {
                var name = arg[..equals];
                if (!Switches.ContainsKey(name) && !name.Contains(':', StringComparison.Ordinal) && !HostSettings.Contains(name[2..])
                    && !name[2..].Equals(Section, StringComparison.OrdinalIgnoreCase))
                {
                    return $"unknown or incomplete option '{name}'";
                }

                continue;
            }

            if (!Switches.ContainsKey(arg) || i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                return $"unknown or incomplete option '{arg}'";
            }

            i++;
        }

        return null;
    }

    /// <summary>
    /// Reads and validates the settings from <paramref name="configuration"/>: the settings, or
    /// the one line that says what is wrong.
    /// </summary>
    /// <param name="environment">The process' environment (the downward API's variables); the real one by default.</param>
    public static SiloOptions? Read(IConfiguration configuration, out string? error, Func<string, string?>? environment = null)
    {
        var section = configuration.GetSection(Section);
        foreach (var (option, setting) in Switches)
        {
            var name = setting[(Section.Length + 1)..];
            if (name is nameof(SiloPort) or nameof(GatewayPort) or nameof(ApiPort) or nameof(WebhookPort) && section[name] is { } raw
                && !int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                error = $"{Describe(option)} is not a port (1 to 65535): '{raw}'";
                return null;
            }

            if (name is nameof(KubernetesHosting) && section[name] is { } flag && !bool.TryParse(flag, out _))
            {
                error = $"{Describe(option)} is not true or false: '{flag}'";
                return null;
            }
        }

        SiloOptions options;
        try
        {
            options = section.Get<SiloOptions>() ?? new SiloOptions();
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'DriftFabric:ApiPort' to type 'System.Int32'."
            error = e.Message;
            return null;
        }

        var result = new SiloOptionsValidator(environment).Validate(null, options);
        error = result.Failed ? string.Join("; ", result.Failures) : null;
        return result.Failed ? null : options;
    }

    /// <summary>How a setting is named to a person: its option and its environment variable (<c>--api-port (DRIFTFABRIC__APIPORT)</c>).</summary>
    internal static string Describe(string option) =>
        $"{option} (DRIFTFABRIC__{Switches[option][(Section.Length + 1)..].ToUpperInvariant()})";
}

/// <summary>What the silo's settings must be before it starts.</summary>
public sealed class SiloOptionsValidator(Func<string, string?>? environment = null) : IValidateOptions<SiloOptions>
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var failures = new List<string>();
        Port(options.SiloPort, "--silo-port");
        Port(options.GatewayPort, "--gateway-port");
        Port(options.ApiPort, "--api-port");
        Port(options.WebhookPort, "--webhook-port");
        if (options.WebhookPort == options.ApiPort)
        {
            failures.Add($"{SiloOptions.Describe("--webhook-port")} and {SiloOptions.Describe("--api-port")} are both {options.ApiPort}: the webhook has a port of its own");
        }

        if (!string.IsNullOrWhiteSpace(options.WebhookAddress) && !IPAddress.TryParse(options.WebhookAddress, out _))
        {
            failures.Add($"{SiloOptions.Describe("--webhook-address")} is not an IP address: '{options.WebhookAddress}'");
        }

        failures.AddRange(options.Webhook.Problems());
        if (!string.IsNullOrWhiteSpace(options.Address) && !IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"{SiloOptions.Describe("--address")} is not an IP address: '{options.Address}'");
        }

        if (!IPAddress.TryParse(options.ApiAddress, out _))
        {
            failures.Add($"{SiloOptions.Describe("--api-address")} is not an IP address: '{options.ApiAddress}'");
        }

        if (string.IsNullOrWhiteSpace(options.Fleet) && SiloOptions.FindExampleFleet() is null)
        {
            failures.Add("no --fleet given and no deploy/examples/driftfabric.yaml found above the working directory");
        }

        if (options.KubernetesHosting)
        {
            // Orleans would find out only once the silo starts, with a stack trace.
            if (options.RedisOrNull() is null)
            {
                failures.Add($"{SiloOptions.Describe("--kubernetes-hosting")} needs the Redis fabric (--redis): silos in pods find each other through Redis");
            }

            if (SiloOptions.PodVariables.Where(v => string.IsNullOrWhiteSpace(_environment(v))).ToList() is [_, ..] missing)
            {
                failures.Add($"{SiloOptions.Describe("--kubernetes-hosting")} needs {string.Join(", ", SiloOptions.PodVariables)} from the downward API: {string.Join(", ", missing)} not set");
            }
            else if (_environment(Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodIPEnvironmentVariable) is var podIP && !IPAddress.TryParse(podIP, out _))
            {
                failures.Add($"{SiloOptions.Describe("--kubernetes-hosting")}: POD_IP is not an IP address: '{podIP}'");
            }

            if (string.IsNullOrWhiteSpace(_environment("KUBECONFIG")) && string.IsNullOrWhiteSpace(_environment("KUBERNETES_SERVICE_HOST")))
            {
                failures.Add($"{SiloOptions.Describe("--kubernetes-hosting")} needs the API server: in a pod (KUBERNETES_SERVICE_HOST) or named by KUBECONFIG");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Port(int port, string option)
        {
            if (port is < 1 or > 65535)
            {
                failures.Add($"{SiloOptions.Describe(option)} is not a port (1 to 65535): {port}");
            }
        }
    }
}
