using System.CommandLine;
using System.Text.Json;
using DriftFabric.Abstractions;
using DriftFabric.Client;
using Spectre.Console;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Cli.Fabric;

/// <summary>
/// Commands against a running fabric, through its HTTP API: <c>status</c>, <c>services</c>,
/// <c>proxies</c>, <c>drift SERVICE</c>, <c>history SERVICE</c>, <c>watch</c>, <c>remediate TARGET --revert</c>. Each prints a table for people
/// (coloured on a terminal) or JSON with <c>--format json</c>; a failure is one line on stderr
/// and exit status 1.
/// </summary>
internal static class FabricCommands
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    private static readonly Option<string> Server = new("--server")
    {
        Description = $"The silo's HTTP API (default: DRIFTFABRIC__SERVER, else {DefaultServer})",
        Recursive = true,
        DefaultValueFactory = _ => Setting("SERVER") ?? DefaultServer,
    };

    private static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token of the API (default: DRIFTFABRIC__TOKEN)",
        Recursive = true,
        DefaultValueFactory = _ => Setting("TOKEN"),
    };

    /// <summary>
    /// A setting from the environment, named as the silo's are (<c>DRIFTFABRIC__SERVER</c>); the
    /// earlier single-underscore name (<c>DRIFTFABRIC_SERVER</c>) still works when the new one is not set.
    /// </summary>
    internal static string? Setting(string name) =>
        Environment.GetEnvironmentVariable("DRIFTFABRIC__" + name) is { Length: > 0 } value ? value
        : Environment.GetEnvironmentVariable("DRIFTFABRIC_" + name) is { Length: > 0 } old ? old
        : null;

    private static readonly Option<string?> Format = CreateFormat();

    /// <summary>The options every fabric command takes, for the root command (they apply to its subcommands).</summary>
    public static IEnumerable<Option> GlobalOptions => [Server, Token];

    public static IEnumerable<Command> Create() => [Status(), Services(), Proxies(), Drift(), History(), Watch(), Remediate()];

    private static Option<string?> CreateFormat()
    {
        var format = new Option<string?>("--format") { Description = "table (default on a terminal) or json (default otherwise)" };
        format.AcceptOnlyFromAmong("table", "json");
        return format;
    }

    private static Command Status()
    {
        var command = new Command("status", "The fleet: each tenant and cluster with its drift, coloured by the worst severity.") { Format };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            var fleet = await api.GetAsync<FleetSummary>("api/v1/fleet", ct);
            if (Json(parse))
            {
                output.Json(fleet);
                return;
            }

            var table = FabricOutput.Table("", "resources", "drifted", "critical", "high", "medium", "low", "state");
            foreach (var tenant in fleet.Tenants)
            {
                table.AddRow(FabricOutput.Row($"[bold]{Markup.Escape(tenant.Tenant)}[/]", tenant.Summary, string.Empty));
                foreach (var cluster in tenant.Clusters)
                {
                    var state = cluster.Status.State == SourceState.Ok ? "ok" : $"[red]{cluster.Status.State.ToString().ToLowerInvariant()}[/]";
                    if (cluster.DesiredRevision is { Length: >= 12 } revision)
                    {
                        // A Git desired state: the commit its services judge against.
                        state += " @" + revision[..12];
                    }

                    table.AddRow(FabricOutput.Row($"  {Markup.Escape(cluster.Cluster)}", cluster.Summary, state));
                }
            }

            output.Console.Write(table);
            output.Console.MarkupLine($"[{FabricOutput.Style(fleet.Total.Worst)}]{Markup.Escape(FabricOutput.Summary(fleet.Total))}[/]");
        }));
        return command;
    }

    private static Command Services()
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's services" };
        var cluster = new Option<string?>("--cluster") { Description = "Only this cluster's services" };
        var severity = new Option<string?>("--severity") { Description = "Only services with a drift at least this severe" };
        severity.AcceptOnlyFromAmong("low", "medium", "high", "critical");
        var drifted = new Option<bool>("--drifted") { Description = "Only services with drift" };
        var command = new Command("services", "Services of the fleet with their drift, filtered.") { tenant, cluster, severity, drifted, Format };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            var min = Enum.TryParse<Severity>(parse.GetValue(severity), ignoreCase: true, out var s) ? s : (Severity?)null;
            var services = (await ClustersAsync(api, output, parse.GetValue(tenant), parse.GetValue(cluster), ct))
                .SelectMany(detail => detail.Services)
                .Where(x => (!parse.GetValue(drifted) || x.Summary.Drifts > 0) && (min is not { } m || x.Summary.Worst >= m))
                .ToList();

            if (Json(parse))
            {
                output.Json(services);
                return;
            }

            var table = FabricOutput.Table("service", "worst", "drifts", "drifted", "resources");
            foreach (var service in services)
            {
                var worst = service.Summary.Worst;
                table.AddRow(
                    Markup.Escape(service.Service.Key),
                    $"[{FabricOutput.Style(worst)}]{FabricOutput.Worst(worst)}[/]",
                    service.Summary.Drifts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    service.Summary.DriftedResources.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    service.Summary.Resources.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            output.Console.Write(table);
            output.Console.MarkupLine(Markup.Escape(FabricOutput.Plural(services.Count, "service")));
        }));
        return command;
    }

    private static Command Proxies()
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's proxies" };
        var cluster = new Option<string?>("--cluster") { Description = "Only this cluster's proxies" };
        var command = new Command("proxies", "The fleet's proxies: each one's state (ok, unreachable, invalid), its drift and the services it fronts.") { tenant, cluster, Format };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            var proxies = (await ClustersAsync(api, output, parse.GetValue(tenant), parse.GetValue(cluster), ct))
                .SelectMany(detail => detail.Proxies.Select(p => new ProxyLine(detail.Tenant, detail.Summary.Cluster, p)))
                .ToList();
            if (Json(parse))
            {
                output.Json(proxies);
                return;
            }

            var table = FabricOutput.Table("proxy", "kind", "state", "worst", "drifts", "fronts", "error");
            foreach (var (t, c, p) in proxies)
            {
                table.AddRow(
                    Markup.Escape($"{t}/{c}/{p.Name}"),
                    p.Kind.ToText(),
                    p.State == ProxyState.Ok ? "ok" : $"[red]{p.State.ToString().ToLowerInvariant()}[/]",
                    $"[{FabricOutput.Style(p.Worst)}]{FabricOutput.Worst(p.Worst)}[/]",
                    p.Drifts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", p.Services.Select(x => $"{x.Namespace}/{x.Name}"))),
                    Markup.Escape(p.Error ?? string.Empty));
            }

            output.Console.Write(table);
            output.Console.MarkupLine(proxies.Count == 1 ? "1 proxy" : $"{proxies.Count} proxies");
        }));
        return command;
    }

    /// <summary>A proxy with its tenant and cluster, as <c>proxies --format json</c> prints it.</summary>
    private sealed record ProxyLine(string Tenant, string Cluster, ProxyStatus Proxy);

    /// <summary>The detail (services, proxies) of every cluster of the fleet, or of those the filters name, with a spinner on a terminal.</summary>
    private static async Task<List<ClusterDetail>> ClustersAsync(FabricApi api, FabricOutput output, string? tenant, string? cluster, CancellationToken ct)
    {
        var fleet = await api.GetAsync<FleetSummary>("api/v1/fleet", ct);
        var clusters = fleet.Tenants
            .Where(t => tenant is null || t.Tenant == tenant)
            .SelectMany(t => t.Clusters.Where(c => cluster is null || c.Cluster == cluster).Select(c => (t.Tenant, c.Cluster)))
            .ToList();
        var details = new List<ClusterDetail>();
        await output.ProgressAsync($"reading {clusters.Count} clusters", async report =>
        {
            foreach (var (t, c) in clusters)
            {
                report($"{t}/{c}");
                details.Add(await api.GetAsync<ClusterDetail>($"api/v1/tenants/{Uri.EscapeDataString(t)}/clusters/{Uri.EscapeDataString(c)}", ct));
            }
        });
        return details;
    }

    private static Command Drift()
    {
        var service = ServiceArgument();
        var command = new Command("drift", "One service's drift: desired and live side by side, field by field.") { service, Format };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            var id = ParseService(parse.GetRequiredValue(service));
            var drift = await api.GetAsync<ServiceDrift>(ServicePath(id), ct);
            if (Json(parse))
            {
                output.Json(drift);
                return;
            }

            output.Console.MarkupLine($"[bold]{Markup.Escape(id.Key)}[/]  [{FabricOutput.Style(drift.Summary.Worst)}]{FabricOutput.Worst(drift.Summary.Worst)}[/]");
            var table = FabricOutput.Table("field", "severity", "desired (code)", "live (cluster)", "changed by");
            foreach (var group in drift.Drifts.GroupBy(d => d.Resource))
            {
                table.AddRow($"[bold]{Markup.Escape(group.Key)}[/]", string.Empty, string.Empty, string.Empty, string.Empty);
                foreach (var d in group)
                {
                    table.AddRow(
                        "  " + Markup.Escape(d.Path.Length == 0 ? "(whole resource)" : d.Path),
                        $"[{FabricOutput.Style(d.Severity)}]{d.Severity.ToString().ToLowerInvariant()}[/]",
                        $"[green]{Markup.Escape(FabricOutput.Side(d, desired: true))}[/]",
                        $"[red]{Markup.Escape(FabricOutput.Side(d, desired: false))}[/]",
                        Markup.Escape(FabricOutput.Who(d)));
                }
            }

            output.Console.Write(table);
            output.Console.MarkupLine(Markup.Escape(FabricOutput.Summary(drift.Summary)));
        }));
        return command;
    }

    private static Command History()
    {
        var service = ServiceArgument();
        var command = new Command("history", "One service's recent drift transitions, oldest first.") { service, Format };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            var id = ParseService(parse.GetRequiredValue(service));
            var history = await api.GetAsync<List<DriftTransition>>(ServicePath(id) + "/history", ct);
            if (Json(parse))
            {
                output.Json(history);
                return;
            }

            var table = FabricOutput.Table("at", "transition", "severity", "field", "change", "by");
            foreach (var t in history)
            {
                var d = t.Drift;
                table.AddRow(
                    t.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                    t.Type.ToString().ToLowerInvariant(),
                    $"[{FabricOutput.Style(d.Severity)}]{d.Severity.ToString().ToLowerInvariant()}[/]",
                    Markup.Escape($"{d.Resource} {d.Path}".TrimEnd()),
                    Markup.Escape(FabricOutput.Change(d, t.Type, t.Remediation)),
                    Markup.Escape(d.Manager ?? "-"));
            }

            output.Console.Write(table);
            output.Console.MarkupLine(Markup.Escape(FabricOutput.Plural(history.Count, "transition")));
        }));
        return command;
    }

    private static Command Watch()
    {
        var tenant = new Option<string[]>("--tenant") { Description = "Tenants to watch (repeatable; default: every tenant the token may read)", Arity = ArgumentArity.ZeroOrMore };
        var after = new Option<long?>("--after") { Description = "Replay from after this sequence number (one tenant); default: from now" };
        var severity = new Option<string?>("--severity") { Description = "Only drifts at least this severe" };
        severity.AcceptOnlyFromAmong("low", "medium", "high", "critical");
        var command = new Command("watch", "Live tail of drift events; reconnects by itself, Ctrl+C stops. JSON: one event per line.") { tenant, after, severity, Format };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            var tenants = parse.GetValue(tenant) is { Length: > 0 } named ? named : [.. (await api.GetAsync<FleetSummary>("api/v1/fleet", ct)).Tenants.Select(t => t.Tenant)];
            if (parse.GetValue(after) is not null && tenants.Length != 1)
            {
                throw new FabricApiException("--after needs exactly one --tenant: sequence numbers are per tenant");
            }

            var min = Enum.TryParse<Severity>(parse.GetValue(severity), ignoreCase: true, out var s) ? s : Severity.Low;
            output.Status($"watching {string.Join(", ", tenants)} on {parse.GetValue(Server)}; Ctrl+C stops");
            var gate = new SemaphoreSlim(1, 1);
            try
            {
                await Task.WhenAll(tenants.Select(async t =>
                {
                    await foreach (var e in api.WatchAsync(t, parse.GetValue(after), reason => output.Status($"{t}: reconnecting ({reason})"), ct))
                    {
                        if (e.Drift.Severity < min)
                        {
                            continue;
                        }

                        await gate.WaitAsync(ct);
                        try
                        {
                            if (Json(parse))
                            {
                                output.JsonLine(e);
                            }
                            else
                            {
                                output.Console.MarkupLine(FabricOutput.EventLine(e));
                            }
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }
                }));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: a watch ends normally.
            }
        }));
        return command;
    }

    /// <summary>Outcomes of a remediation that left a resource as it was although it drifted.</summary>
    private static Command Remediate()
    {
        var target = new Argument<string>("target") { Description = "tenant/cluster (its whole drift set), tenant/cluster/namespace/service, or a resource of it: tenant/cluster/namespace/service/group/Kind/namespace/name" };
        var revert = new Option<bool>("--revert") { Description = "Put live back as the code declares it (server-side apply as driftfabric)" };
        var adopt = new Option<bool>("--adopt") { Description = "Write live into the code: a patch, and a commit on a new branch in a git checkout (the working tree is not touched)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only show what would change (a server-side dry run); change nothing" };
        var deleteUnmanaged = new Option<bool>("--delete-unmanaged") { Description = "Also delete the objects the code does not declare (never done otherwise)" };
        var yes = new Option<bool>("--yes") { Description = "Do it without asking on a terminal (the dry run is still shown first)" };
        var command = new Command("remediate", "Put drift right: a cluster's whole drift set, a service's, or one resource's. A dry run is shown first; on a terminal it asks before changing anything. Exit 0: done (or shown); 2: some resources were left as they were; 1: error or not confirmed.")
        {
            target, revert, adopt, dryRun, deleteUnmanaged, yes, Format,
        };
        command.SetAction((parse, ct) => Run(parse, async (api, output) =>
        {
            if (parse.GetValue(revert) == parse.GetValue(adopt))
            {
                throw new FabricApiException("say what to do: --revert or --adopt");
            }

            var action = parse.GetValue(adopt) ? RemediationRequest.Adopt : RemediationRequest.Revert;

            var parts = parse.GetRequiredValue(target).Split('/');
            if (parts.Length is not (2 or 4 or 8))
            {
                throw new FabricApiException($"'{parse.GetRequiredValue(target)}' is not tenant/cluster, tenant/cluster/namespace/service or tenant/cluster/namespace/service/group/Kind/namespace/name");
            }

            async Task<List<RemediationReport>> Post(bool dry)
            {
                var body = new { action, dryRun = dry, resource = parts.Length == 8 ? string.Join('/', parts[4..]) : null, actor = "cli", deleteUnmanaged = parse.GetValue(deleteUnmanaged) };
                return parts.Length == 2
                    ? await api.PostAsync<List<RemediationReport>>($"api/v1/tenants/{Uri.EscapeDataString(parts[0])}/clusters/{Uri.EscapeDataString(parts[1])}/remediate", body, ct)
                    : [await api.PostAsync<RemediationReport>(ServicePath(new ServiceId(parts[0], parts[1], parts[2], parts[3])) + "/remediate", body, ct)];
            }

            void PrintAll(List<RemediationReport> shown)
            {
                if (!Json(parse))
                {
                    shown.ForEach(report => Print(output, report));
                }
            }

            // A dry run first, always: what would change is shown before anything does.
            var reports = await Post(dry: true);
            PrintAll(reports);
            var acted = false;
            if (!parse.GetValue(dryRun))
            {
                var wouldChange = reports.SelectMany(r => r.Results).Any(r => r.Outcome == RemediationOutcome.WouldChange);
                if (wouldChange && !parse.GetValue(yes) && !Console.IsInputRedirected && !Json(parse))
                {
                    output.Console.Markup("Do it? [y/N] ");
                    if (Console.ReadLine()?.Trim() is not ("y" or "Y" or "yes"))
                    {
                        output.Console.MarkupLine("Nothing was changed.");
                        return 1;
                    }
                }

                if (wouldChange)
                {
                    reports = await Post(dry: false);
                    acted = true;
                    PrintAll(reports);
                }
            }

            var results = reports.SelectMany(r => r.Results).ToList();
            var code = results.Any(r => r.Outcome.LeftUndone()) ? 2 : 0;
            if (Json(parse))
            {
                if (parts.Length == 2)
                {
                    output.Json(reports);
                }
                else
                {
                    output.Json(reports[0]);
                }

                return code;
            }

            output.Console.MarkupLine(Markup.Escape(results.Count == 0 ? "Nothing drifted: nothing to do."
                : parse.GetValue(dryRun) ? "Dry run: nothing was changed."
                : !acted ? "Nothing the dry run would change: nothing was changed."
                : $"{results.Count(r => !r.Outcome.LeftUndone())} of {results.Count} resources done."));
            return code;
        }));
        return command;
    }

    /// <summary>One service's remediation as a table: each resource's outcome and reason, each field from and to; an adoption's patch and branch.</summary>
    private static void Print(FabricOutput output, RemediationReport report)
    {
        output.Console.MarkupLine($"[bold]{Markup.Escape(report.Service.Key)}[/] {Markup.Escape(report.Action)}");
        var table = FabricOutput.Table("resource", "outcome", "field", "from", "to");
        foreach (var result in report.Results)
        {
            var style = result.Outcome.LeftUndone() ? "red" : "green";
            table.AddRow($"[bold]{Markup.Escape(result.Resource)}[/]", $"[{style}]{Markup.Escape(result.Outcome.ToString())}[/]", Markup.Escape(result.Message), string.Empty, string.Empty);
            foreach (var change in result.Changes)
            {
                table.AddRow(string.Empty, string.Empty, "  " + Markup.Escape(change.Path), $"[red]{Markup.Escape(change.From ?? "(absent)")}[/]", $"[green]{Markup.Escape(change.To ?? "(absent)")}[/]");
            }
        }

        output.Console.Write(table);
        if (report.Patch is { Length: > 0 } patch)
        {
            output.Console.WriteLine(patch);
        }

        if (report.Branch is { } branch)
        {
            output.Console.MarkupLine($"Committed on branch [bold]{Markup.Escape(branch)}[/] for review.");
        }
    }

    private static Argument<string> ServiceArgument() => new("service") { Description = "tenant/cluster/namespace/service" };

    private static ServiceId ParseService(string text)
    {
        try
        {
            return ServiceId.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FabricApiException(e.Message);
        }
    }

    private static string ServicePath(ServiceId id) =>
        $"api/v1/tenants/{Uri.EscapeDataString(id.Tenant)}/clusters/{Uri.EscapeDataString(id.Cluster)}/services/{Uri.EscapeDataString(id.Namespace)}/{Uri.EscapeDataString(id.Name)}";

    private static bool Json(ParseResult parse) => (parse.GetValue(Format) ?? (Console.IsOutputRedirected ? "json" : "table")) == "json";

    private static Task<int> Run(ParseResult parse, Func<FabricApi, FabricOutput, Task> action) =>
        Run(parse, async (api, output) =>
        {
            await action(api, output);
            return 0;
        });

    private static async Task<int> Run(ParseResult parse, Func<FabricApi, FabricOutput, Task<int>> action)
    {
        var output = new FabricOutput(Console.Out, Console.Error, colour: !Console.IsOutputRedirected, Console.IsOutputRedirected ? 160 : Math.Max(80, Console.WindowWidth));
        Uri server;
        try
        {
            server = new Uri(parse.GetValue(Server)!.TrimEnd('/') + "/", UriKind.Absolute);
        }
        catch (UriFormatException)
        {
            output.Error($"--server {parse.GetValue(Server)} is not a URL");
            return 1;
        }

        using var api = new FabricApi(server, parse.GetValue(Token));
        try
        {
            return await action(api, output);
        }
        catch (FabricApiException e)
        {
            output.Error(e.Message);
            return 1;
        }
    }
}
