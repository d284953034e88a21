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
