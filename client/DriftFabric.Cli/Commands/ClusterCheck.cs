using DriftFabric.Abstractions;
using DriftFabric.Cli.Reports;
using DriftFabric.Engine;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources;
using DriftFabric.Sources.Kubernetes;
using k8s;
using Spectre.Console;

namespace DriftFabric.Cli.Commands;

/// <summary>
/// <c>check --context NAME [--kubeconfig FILE]</c>: the live state listed from a cluster instead
/// of read from a snapshot, then judged exactly as <c>--live</c> is (the same engine call, the
/// same report). Only the kinds the code declares are listed, only in the namespaces it uses.
/// </summary>
internal static class ClusterCheck
{
    public static async Task<int> RunAsync(CheckOptions options, TextWriter output, Action<string>? progress, CancellationToken ct)
    {
        var errors = new List<ManifestError>();
        var policy = CheckCommand.Policy(options, errors);
        using var inputs = new DesiredInputs(options.Desired);
        using var desired = inputs.Read();
        errors.AddRange(desired.Errors);
        var context = options.Context!;

        IKubernetes client;
        try
        {
            client = new KubeClientFactory().Create(new KubeEndpoint(options.Kubeconfig, context, false, options.Qps, options.Qps * 2));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or FormatException or YamlDotNet.Core.YamlException)
        {
            // Nothing can be listed: no drift can be told, and every error is in the report.
            errors.Add(new ManifestError(options.Kubeconfig ?? "kubeconfig", 0, $"context '{context}' cannot be used: {e.Message}"));
            return CheckCommand.Write(options, new CheckReport([], errors, []), output);
        }

        using (client)
        {
            var scope = new LiveScope(
                [.. desired.Manifests.Select(m => (m.Group, m.Kind)).Distinct()],
                [.. desired.Manifests.Select(m => m.Namespace ?? policy.DefaultNamespace).Distinct(StringComparer.Ordinal)]);
            var listing = await KubeLister.ListAsync(client, scope, new KubeListOptions { Qps = options.Qps, Burst = options.Qps * 2, PageSize = options.PageSize }, progress, ct);
            errors.AddRange(listing.Errors);

            // A kind that could not be listed is unknown, not absent: its objects are left out
            // rather than reported missing.
            var judged = desired.Manifests.Where(m => !listing.IsUnlisted(m, policy.DefaultNamespace)).ToList();
            var result = new DriftEngine(policy).Check(judged, listing.Objects);
            errors.AddRange(result.Errors);
            return CheckCommand.Write(options, new CheckReport(inputs.Named(result.Drifts), errors, result.Resources), output);
        }
    }

    /// <summary>Runs the check with a spinner on stderr naming what is being listed, when stderr is a terminal; quietly otherwise.</summary>
    public static async Task<int> RunWithProgressAsync(CheckOptions options, TextWriter output, CancellationToken ct)
    {
        if (Console.IsErrorRedirected)
        {
            return await RunAsync(options, output, null, ct);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var label = $"reading context {options.Context}";
        return await console.Status().StartAsync(label, async status => await RunAsync(options, output, at => status.Status($"{label}: {Markup.Escape(at)}"), ct));
    }
}
