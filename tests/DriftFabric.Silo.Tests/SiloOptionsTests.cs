using Microsoft.Extensions.Configuration;

namespace DriftFabric.Silo.Tests;

/// <summary>The silo's settings: one section, three sources, checked before anything starts.</summary>
public sealed class SiloOptionsTests
{
    private static IConfiguration Configuration(Dictionary<string, string?> file, Dictionary<string, string?> environment, params string[] args) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(file)
            .AddInMemoryCollection(environment)
            .AddCommandLine(args, SiloOptions.Switches.ToDictionary())
            .Build();

    [Fact]
    public void The_command_line_overrides_the_environment_which_overrides_the_file()
    {
        var configuration = Configuration(
            new() { ["DriftFabric:Redis"] = "file:6379", ["DriftFabric:ApiPort"] = "6001", ["DriftFabric:SiloPort"] = "7001" },
            new() { ["DRIFTFABRIC:REDIS"] = "env:6379", ["DRIFTFABRIC:APIPORT"] = "6002" },
            "--redis", "args:6379");

        var options = SiloOptions.Read(configuration, out var error);

        Assert.Null(error);
        Assert.Equal(("args:6379", 6002, 7001), (options!.RedisOrNull(), options.ApiPort, options.SiloPort));
    }

    [Fact]
    public void Without_settings_the_silo_is_embedded_on_loopback_with_the_example_fleet()
    {
        var options = SiloOptions.Read(Configuration([], []), out var error);

        Assert.Null(error);
        Assert.Null(options!.RedisOrNull());
        Assert.Equal(("127.0.0.1", SiloOptions.DefaultApiPort), (options.ApiIPAddress().ToString(), options.ApiPort));
        Assert.EndsWith(Path.Combine("deploy", "examples", "driftfabric.yaml"), options.FleetPath(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--api-port", "70000", "--api-port (DRIFTFABRIC__APIPORT) is not a port (1 to 65535): 70000")]
    [InlineData("--api-address", "localhost", "--api-address (DRIFTFABRIC__APIADDRESS) is not an IP address: 'localhost'")]
    [InlineData("--silo-port", "many", "--silo-port (DRIFTFABRIC__SILOPORT) is not a port (1 to 65535): 'many'")]
    public void A_bad_value_is_one_line_naming_the_setting(string option, string value, string expected)
    {
        var options = SiloOptions.Read(Configuration([], [], option, value), out var error);

        Assert.Null(options);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Theory]
    [InlineData("yes", "POD_NAME=p POD_NAMESPACE=n POD_IP=10.0.0.7 KUBERNETES_SERVICE_HOST=10.96.0.1", "--kubernetes-hosting (DRIFTFABRIC__KUBERNETESHOSTING) is not true or false: 'yes'")]
    [InlineData("true", "POD_NAMESPACE=n POD_IP=10.0.0.7 KUBERNETES_SERVICE_HOST=10.96.0.1", "--kubernetes-hosting (DRIFTFABRIC__KUBERNETESHOSTING) needs POD_NAME, POD_NAMESPACE, POD_IP from the downward API: POD_NAME not set")]
    [InlineData("true", "POD_NAME=p POD_NAMESPACE=n POD_IP=pod KUBERNETES_SERVICE_HOST=10.96.0.1", "--kubernetes-hosting (DRIFTFABRIC__KUBERNETESHOSTING): POD_IP is not an IP address: 'pod'")]
    [InlineData("true", "POD_NAME=p POD_NAMESPACE=n POD_IP=10.0.0.7", "--kubernetes-hosting (DRIFTFABRIC__KUBERNETESHOSTING) needs the API server: in a pod (KUBERNETES_SERVICE_HOST) or named by KUBECONFIG")]
    public void Kubernetes_hosting_is_refused_in_one_line_without_what_it_reads_from_the_pod(string value, string environment, string expected)
    {
        var variables = environment.Split(' ').Select(v => v.Split('=')).ToDictionary(v => v[0], v => v[1]);

        var options = SiloOptions.Read(Configuration([], [], "--redis", "redis:6379", "--kubernetes-hosting", value), out var error, name => variables.GetValueOrDefault(name));

        Assert.Null(options);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Kubernetes_hosting_needs_the_Redis_fabric_and_is_taken_in_a_pod()
    {
        var pod = new Dictionary<string, string> { ["POD_NAME"] = "driftfabric-0", ["POD_NAMESPACE"] = "driftfabric", ["POD_IP"] = "10.0.0.7", ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1" };

        SiloOptions.Read(Configuration([], [], "--kubernetes-hosting", "true"), out var embedded, pod.GetValueOrDefault);
        var options = SiloOptions.Read(Configuration([], new() { ["DRIFTFABRIC:KUBERNETESHOSTING"] = "true" }, "--redis", "redis:6379"), out var error, pod.GetValueOrDefault);

        Assert.Equal("--kubernetes-hosting (DRIFTFABRIC__KUBERNETESHOSTING) needs the Redis fabric (--redis): silos in pods find each other through Redis", embedded);
        Assert.Null(error);
        Assert.True(options!.KubernetesHosting);
    }

    [Theory]
    [InlineData("--flee", "x")]
    [InlineData("--fleet")]
    [InlineData("--redis", "--fleet", "x")]
    [InlineData("--flee=x")]
    public void An_unknown_or_incomplete_option_is_refused(params string[] args) =>
        Assert.Equal($"unknown or incomplete option '{args[0].Split('=')[0]}'", SiloOptions.CheckArguments(args));

    [Fact]
    public void Options_take_their_value_after_a_space_or_an_equals_sign_beside_configuration_keys_and_host_settings()
    {
        string[] args = ["--fleet", "fleet.yaml", "--api-port=6000", "--DriftFabric:Api:Tokens:0:Token=secret-token-0123456789", "--environment=Development"];

        Assert.Null(SiloOptions.CheckArguments(args));
        Assert.Equal(6000, SiloOptions.Read(Configuration([], [], args), out _)!.ApiPort);
    }
}
