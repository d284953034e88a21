using System.CommandLine;
using System.Runtime.CompilerServices;
using DriftFabric.Cli.Rbac;
using DriftFabric.Engine.Manifests;
using DriftFabric.Sources;
using DriftFabric.Sources.Files;
using DriftFabric.Sources.Fleet;
using DriftFabric.Sources.Git;
using Microsoft.Extensions.Logging.Abstractions;

namespace DriftFabric.Cli.Commands;

/// <summary>
/// <c>driftfabric rbac --fleet FILE [--remediation|--remediation-only]</c>: the least RBAC the
/// install's ServiceAccount needs for the clusters it watches with in-cluster configuration (or
/// those named with <c>--cluster</c>), from their desired state read as the silo reads it (files,
/// Kustomize, Git). Exit 0 with the YAML on stdout; 1 with one line per problem on stderr when the
/// fleet or a desired state cannot be read (a partial grant would be wrong either way).
/// </summary>
internal static class RbacCommand
{
    public const int Generated = 0;
    public const int Failed = 1;

    public static Command Create()
    {
        var fleet = new Option<string>("--fleet") { Description = "The fleet spec (driftfabric.yaml) whose desired state is granted", Required = true };
        var remediation = new Option<bool>("--remediation") { Description = "Also the write verbs a revert needs (patch, create, delete)" };
        var remediationOnly = new Option<bool>("--remediation-only") { Description = "Only the write part (the install's remediation component)" };
        var ns = new Option<string>("--namespace") { Description = "The install's namespace (the ServiceAccount's)", DefaultValueFactory = _ => "driftfabric" };
        var serviceAccount = new Option<string>("--service-account") { Description = "The install's ServiceAccount", DefaultValueFactory = _ => "driftfabric" };
        var clusters = new Option<string[]>("--cluster")
        {
            Description = "TENANT/CLUSTER to grant (repeatable; default: every cluster watched with live: { inCluster: true })",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("rbac", "Print the least Roles, ClusterRoles and bindings the fabric's ServiceAccount needs for the fleet's desired state.")
        {
            fleet, remediation, remediationOnly, ns, serviceAccount, clusters,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(remediation) && result.GetValue(remediationOnly))
            {
                result.AddError("give --remediation (read and write) or --remediation-only (write), not both");
            }
        });
        command.SetAction(parse =>
        {
            var part = parse.GetValue(remediationOnly) ? RbacPart.Remediation : parse.GetValue(remediation) ? RbacPart.All : RbacPart.Read;
            var options = new RbacOptions(parse.GetRequiredValue(fleet), part, parse.GetValue(ns)!, parse.GetValue(serviceAccount)!, parse.GetValue(clusters) ?? []);
            return Run(options, Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>The command line that prints the same output (named in its leading comment).</summary>
    public static string CommandLine(RbacOptions options) =>
        "driftfabric rbac --fleet " + options.Fleet
        + options.Part switch { RbacPart.All => " --remediation", RbacPart.Remediation => " --remediation-only", _ => string.Empty }
        + (options.Namespace == "driftfabric" ? string.Empty : " --namespace " + options.Namespace)
        + (options.ServiceAccount == "driftfabric" ? string.Empty : " --service-account " + options.ServiceAccount)
        + string.Concat(options.Clusters.Select(c => " --cluster " + c));

    public static int Run(RbacOptions options, TextWriter output, TextWriter errors)
    {
        var (yaml, problems) = Generate(options, CommandLine(options));
        if (yaml is null)
        {
            foreach (var problem in problems)
            {
                errors.WriteLine("driftfabric: rbac: " + problem);
            }

            return Failed;
        }

        output.Write(yaml);
        return Generated;
    }

    /// <summary>The YAML, or null and why not (one line each).</summary>
    /// <param name="commandLine">What the output's leading comment names as the command to run again.</param>
    public static (string? Yaml, List<string> Problems) Generate(RbacOptions options, string commandLine)
    {
        var spec = FleetSpecReader.Load(options.Fleet);
        var problems = spec.Errors.Select(e => e.ToString()).ToList();
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var all = spec.Tenants.SelectMany(t => t.Clusters.Select(c => (Name: t.Name + "/" + c.Name, Cluster: c))).ToList();
        var chosen = options.Clusters.Count > 0
            ? all.Where(c => options.Clusters.Contains(c.Name, StringComparer.Ordinal)).ToList()
            : all.Where(c => c.Cluster.Kube?.InCluster == true).ToList();
        problems.AddRange(options.Clusters.Where(n => !all.Any(c => c.Name == n)).Select(n => $"{options.Fleet}: no cluster {n} (clusters are named TENANT/CLUSTER)"));
        if (chosen.Count == 0 && problems.Count == 0)
        {
            problems.Add($"{options.Fleet}: no cluster is watched with `live: {{ inCluster: true }}`; name the clusters to grant with --cluster TENANT/CLUSTER");
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var scope = new RbacScope();
        foreach (var (name, cluster) in chosen)
        {
            using var desired = Read(cluster);
            if (desired.Errors.Count > 0)
            {
                problems.AddRange(desired.Errors.Select(e => $"cluster {name}: desired {e}"));
                continue;
            }

            scope.Add(desired.Manifests, cluster.DefaultNamespace);
        }

        return problems.Count > 0 ? (null, problems) : (RbacManifests.Render(scope, new RbacSubject(options.Namespace, options.ServiceAccount, commandLine), options.Part), problems);
    }

    /// <summary>The cluster's desired state through the silo's own sources: a folder (Kustomize included) or a Git repository fetched into a cache of this run's own.</summary>
    private static ManifestSet Read(ClusterSpec cluster) => cluster.Git is { } git ? ReadGit(git) : new PathSource(cluster.DesiredPath).Read();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ManifestSet ReadGit(DriftFabric.Abstractions.GitDesired git)
    {
        using var cache = new GitCache(new GitCacheOptions { Directory = Path.Combine(Path.GetTempPath(), "driftfabric-cli-git") }, TimeProvider.System, NullLogger.Instance);
        var source = new GitSource(git, cache, NullLogger.Instance);
        try
        {
            // The set owns its manifests' buffers; the source's folder is no longer needed once they are read.
            return source.Read();
        }
        finally
        {
            source.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

internal sealed record RbacOptions(string Fleet, RbacPart Part, string Namespace, string ServiceAccount, IReadOnlyList<string> Clusters);
