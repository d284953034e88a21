using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftFabric.Silo.Tests;

public sealed class EmbeddedSiloTests : IDisposable
{
    private readonly TempFleet _fleet = TempFleet.FromExamples();

    private string Spec => _fleet.SpecPath;

    public void Dispose() => _fleet.Dispose();

    [Fact]
    public async Task Silo_starts_reports_the_fleet_prints_transitions_and_stops_on_ctrl_c()
    {
        await using var silo = SiloProcess.Start("--fleet", Spec);

        await silo.WaitForLineAsync("(2 tenants, 3 clusters)");
        var acme = await silo.WaitForLineAsync("tenant acme");
        var prod = await silo.WaitForLineAsync("cluster prod-eu");
        await silo.WaitForLineAsync("tenant globex");
        await silo.WaitForLineAsync("Watching desired and live sources");
        Assert.Contains("26 resources", acme, StringComparison.Ordinal);
        Assert.Contains("critical 2", acme, StringComparison.Ordinal);
        Assert.Contains("ok", prod, StringComparison.Ordinal);
        Assert.Contains(silo.Seen, line => line.Contains("shop/checkout", StringComparison.Ordinal) && line.Contains("critical", StringComparison.Ordinal));

        // Someone puts the cart back to two replicas: the drift resolves, and the silo says so.
        var live = Path.Combine(_fleet.Root, "acme", "prod-eu", "live.json");
        var list = JsonNode.Parse(await File.ReadAllTextAsync(live))!;
        var cart = list["items"]!.AsArray().Single(i => (string?)i!["kind"] == "Deployment" && (string?)i["metadata"]!["name"] == "cart")!;
        cart["spec"]!["replicas"] = 2;
        await File.WriteAllTextAsync(live, list.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var resolved = await silo.WaitForLineAsync("resolved");
        Assert.Contains("apps/Deployment/shop/cart /spec/replicas", resolved, StringComparison.Ordinal);

        Assert.Equal(0, await silo.InterruptAsync());
        // A clean stop: no errors on the way out (state in silo memory is not written to storage that is gone).
        Assert.DoesNotContain(silo.Seen, line => line.StartsWith("fail:", StringComparison.Ordinal) || line.Contains("Polly", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fleet_without_tenants_is_refused_with_its_errors()
    {
        await File.WriteAllTextAsync(Spec, "apiVersion: driftfabric.io/v1alpha1\nkind: Fleet\ntenants:\n- name: Bad_Name\n  clusters: []\n");
        await using var silo = SiloProcess.Start("--fleet", Spec);

        var error = await silo.WaitForLineAsync("error");

        Assert.Contains("driftfabric.yaml:4: tenants[0].name", error, StringComparison.Ordinal);
        Assert.Equal(1, await silo.ExitCodeAsync());
    }

    [Fact]
    public async Task Unknown_options_are_refused()
    {
        await using var silo = SiloProcess.Start("--flee", Spec);

        await silo.WaitForLineAsync("unknown or incomplete option '--flee'");

        Assert.Equal(1, await silo.ExitCodeAsync());
    }

    [Fact]
    public async Task A_bad_setting_from_the_environment_is_one_clear_line_and_exit_1()
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string> { ["DRIFTFABRIC__ADDRESS"] = "not-an-ip" }, "--fleet", Spec);

        await silo.WaitForLineAsync("--address (DRIFTFABRIC__ADDRESS) is not an IP address: 'not-an-ip'");

        Assert.Equal(1, await silo.ExitCodeAsync());
    }

    [Fact]
    public async Task A_service_account_folder_that_is_not_an_absolute_path_is_one_clear_line_and_exit_1()
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string> { ["DRIFTFABRIC__KUBERNETES__SERVICEACCOUNTDIRECTORY"] = "relative/sa" }, "--fleet", Spec);

        await silo.WaitForLineAsync("kubernetes: Kubernetes ServiceAccountDirectory must be an absolute path, not 'relative/sa' (DRIFTFABRIC__KUBERNETES__SERVICEACCOUNTDIRECTORY)");

        Assert.Equal(1, await silo.ExitCodeAsync());
    }
}
