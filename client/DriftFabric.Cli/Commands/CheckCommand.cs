using System.CommandLine;
using DriftFabric.Cli.Reports;
using DriftFabric.Engine;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Policy;
using DriftFabric.Engine.Proxies;
using DriftFabric.Sources;
using DriftFabric.Sources.Files;
using DriftFabric.Sources.Fleet;

namespace DriftFabric.Cli.Commands;

/// <summary><c>driftfabric check</c>: desired state against a live snapshot, offline (spec/cli-contract.md).</summary>
internal static class CheckCommand
{
    public const int InSync = 0;
    public const int Untrusted = 1;
    public const int Drifted = 2;

    public static Command Create()
    {
        var desired = new Option<string[]>("--desired")
        {
            Description = "Desired state: a YAML/JSON file, a directory read recursively, or a Git remote URL[#ref][//path] (repeatable; an HTTPS token from DRIFTFABRIC_GIT_TOKEN)",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var live = new Option<string[]>("--live")
        {
            Description = "Live state: a file or directory of `kubectl get -o json|yaml` output (repeatable); or --context",
            Arity = ArgumentArity.OneOrMore,
        };
        var context = new Option<string?>("--context")
        {
            Description = "Live state listed from this kubeconfig context's cluster (with managedFields) instead of --live",
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "With --context: the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
        };
        var qps = new Option<int>("--qps")
        {
            Description = "With --context: requests per second sent to the API server (bursts of twice as many)",
            DefaultValueFactory = _ => 20,
        };
        qps.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                result.AddError("--qps must be between 1 and 1000");
            }
        });
        var proxy = new Option<string?>("--proxy")
        {
            Description = "Check one proxy instead: its kind (caddy, haproxy or envoy); --desired is its config file, --live its admin URL (caddy, envoy), its runtime API socket (haproxy: unix:PATH or tcp://HOST:PORT) or a dump of its config",
        };
        proxy.AcceptOnlyFromAmong([.. ProxyKinds.Names]);
        var timeout = new Option<string>("--timeout")
        {
            Description = "With --proxy: how long reading the proxy may take (e.g. 500ms, 10s)",
            DefaultValueFactory = _ => "10s",
        };
        timeout.Validators.Add(result =>
        {
            if (!SpecReader.TryParseDuration(result.GetValueOrDefault<string>() ?? string.Empty, out var value) || value <= TimeSpan.Zero)
            {
                result.AddError("--timeout must be a duration such as 500ms or 10s");
            }
        });
        var fleet = new Option<string?>("--fleet") { Description = "Fleet spec (driftfabric.yaml) with ignore rules, managers and severity overrides" };
        var digestKeyFile = new Option<string?>("--digest-key-file")
        {
            Description = "Show Secret digests as hmac:<8 hex> under the key in this file (as a fabric with that installation key shows them) instead of sha256:<8 hex>",
        };
        var format = new Option<string?>("--format") { Description = "table (default on a terminal), json (default otherwise), sarif or junit" };
        format.AcceptOnlyFromAmong(ReportFormats.Names);
        var failOn = new Option<string>("--fail-on")
        {
            Description = "Lowest severity that fails the run with exit status 2",
            DefaultValueFactory = _ => "low",
        };
        failOn.AcceptOnlyFromAmong("low", "medium", "high", "critical");

        var command = new Command("check", "Compare desired state with a live snapshot or a cluster. Exit 0: in sync, 2: drift, 1: the run could not be trusted.")
        {
            desired, live, context, kubeconfig, qps, fleet, format, failOn, proxy, timeout, digestKeyFile,
        };
        command.Validators.Add(result =>
        {
            var hasLive = result.GetValue(live) is { Length: > 0 };
            var hasContext = result.GetValue(context) is not null;
            if (hasLive == hasContext)
            {
                result.AddError("give either --live (a snapshot) or --context (a cluster), not both");
            }
            else if (hasContext && result.GetValue(proxy) is not null)
            {
                result.AddError("--context lists a Kubernetes cluster; a proxy is read through --live");
            }
            else if (!hasContext && result.GetValue(kubeconfig) is not null)
            {
                result.AddError("--kubeconfig goes with --context");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var options = new CheckOptions(
                parse.GetRequiredValue(desired),
                parse.GetValue(live) ?? [],
                parse.GetValue(fleet),
                parse.GetValue(format) ?? (Console.IsOutputRedirected ? "json" : "table"),
                DriftNames.TryParseSeverity(parse.GetValue(failOn), out var severity) ? severity : Severity.Low)
            {
                Terminal = !Console.IsOutputRedirected,
                Width = Console.IsOutputRedirected ? 160 : Math.Max(80, Console.WindowWidth),
                ProxyTimeout = SpecReader.TryParseDuration(parse.GetValue(timeout) ?? string.Empty, out var proxyTimeout) ? proxyTimeout : ProxyCheck.DefaultTimeout,
                DigestKeyFile = parse.GetValue(digestKeyFile),
                Context = parse.GetValue(context),
                Kubeconfig = parse.GetValue(kubeconfig),
                Qps = parse.GetValue(qps),
            };
            if (options.Context is not null)
            {
                return await ClusterCheck.RunWithProgressAsync(options, Console.Out, ct);
            }

            if (parse.GetValue(proxy) is { } kind)
            {
                // The option accepts only the kinds' names.
                return RunProxy(ProxyKinds.Parse(kind), options, Console.Out);
            }

            return Run(options, Console.Out);
        });
        return command;
    }

    public static int Run(CheckOptions options, TextWriter output)
    {
        var errors = new List<ManifestError>();
        var policy = Policy(options, errors);

        // The same sources a fabric's cluster reads its files and repositories with.
        using var inputs = new DesiredInputs(options.Desired);
        using var desired = inputs.Read();
        using var live = new PathSource(options.Live).Read();
        errors.AddRange(desired.Errors);
        errors.AddRange(live.Errors);

        var result = new DriftEngine(policy).Check(desired.Manifests, live.Manifests);
        errors.AddRange(result.Errors);
        return Write(options, new CheckReport(inputs.Named(result.Drifts), errors, result.Resources), output);
    }

    /// <summary>Writes the report in the chosen format; returns the exit status it comes to.</summary>
    public static int Write(CheckOptions options, CheckReport report, TextWriter output)
    {
        ReportFormats.Create(options.Format, options.Terminal, options.Width).Write(report, output);
        return ExitCode(report, options.FailOn);
    }

    public static int RunProxy(ProxyKind kind, CheckOptions options, TextWriter output)
    {
        if (options.Desired.Count != 1 || options.Live.Count != 1)
        {
            var error = new ManifestError("--proxy", 0, "a proxy check takes one --desired file and one --live URL or file");
            ReportFormats.Create(options.Format, options.Terminal, options.Width).Write(new CheckReport([], [error], []), output);
            return Untrusted;
        }

        var errors = new List<ManifestError>();
        var policy = Policy(options, errors);
        var checkedProxy = ProxyCheck.Run(kind, options.Desired[0], options.Live[0], policy, options.ProxyTimeout);
        var report = checkedProxy with { Errors = [.. errors, .. checkedProxy.Errors] };
        ReportFormats.Create(options.Format, options.Terminal, options.Width).Write(report, output);
        return ExitCode(report, options.FailOn);
    }

    /// <summary>The fleet spec's policy (or the default), digesting Secret values under <c>--digest-key-file</c>'s key when one is given.</summary>
    public static DriftPolicy Policy(CheckOptions options, List<ManifestError> errors)
    {
        var policy = DriftPolicy.Default;
        if (options.Fleet is not null)
        {
            var spec = FleetSpecReader.Load(options.Fleet);
            errors.AddRange(spec.Errors);
            policy = spec.Policy;
        }

        return options.DigestKeyFile is { } keyFile && DigestOf(keyFile, errors) is { } digest ? policy with { SecretDigest = digest } : policy;
    }

    /// <summary>
    /// HMAC-SHA256 under the key in <paramref name="keyFile"/>, read as a fabric reads its key file;
    /// null (and an error, which never quotes the key) when it cannot be read or is too short. The
    /// run still reports, with <c>sha256:</c> digests, and exits 1.
    /// </summary>
    private static SecretDigest? DigestOf(string keyFile, List<ManifestError> errors)
    {
        byte[] key;
        try
        {
            key = File.ReadAllBytes(keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ManifestError(keyFile, 0, "--digest-key-file cannot be read: " + e.Message));
            return null;
        }

        try
        {
            if (SecretDigest.KeyProblem(key) is { } problem)
            {
                errors.Add(new ManifestError(keyFile, 0, "--digest-key-file: " + problem));
                return null;
            }

            return SecretDigest.Hmac(key);
        }
        finally
        {
            Array.Clear(key);
        }
    }

    public static int ExitCode(CheckReport report, Severity failOn) =>
        report.Errors.Count > 0 ? Untrusted : report.Drifts.Any(d => d.Severity >= failOn) ? Drifted : InSync;
}

internal sealed record CheckOptions(IReadOnlyList<string> Desired, IReadOnlyList<string> Live, string? Fleet, string Format, Severity FailOn)
{
    /// <summary>True when stdout is a terminal: the table is coloured and fitted to its width.</summary>
    public bool Terminal { get; init; }

    public int Width { get; init; } = 160;

    /// <summary>How long reading a proxy may take (<c>--timeout</c>).</summary>
    public TimeSpan ProxyTimeout { get; init; } = ProxyCheck.DefaultTimeout;

    /// <summary>A file holding the key Secret digests are keyed with (<c>--digest-key-file</c>); null: plain SHA-256.</summary>
    public string? DigestKeyFile { get; init; }

    /// <summary>The kubeconfig context whose cluster is listed for the live state (<c>--context</c>); null: <see cref="Live"/> is read.</summary>
    public string? Context { get; init; }

    /// <summary>The kubeconfig file (<c>--kubeconfig</c>); null: <c>$KUBECONFIG</c>, else <c>~/.kube/config</c>.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Requests per second sent to the API server (<c>--qps</c>).</summary>
    public int Qps { get; init; } = 20;

    /// <summary>Objects per list request; the rest follow with <c>continue</c>.</summary>
    public int PageSize { get; init; } = 500;
}
