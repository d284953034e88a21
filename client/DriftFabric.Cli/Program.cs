using System.CommandLine;
using DriftFabric.Cli.Commands;
using DriftFabric.Cli.Fabric;

var root = new RootCommand("DriftFabric: infrastructure-as-code drift detection for Kubernetes fleets.")
{
    CheckCommand.Create(),
    RbacCommand.Create(),
};
foreach (var option in FabricCommands.GlobalOptions)
{
    root.Options.Add(option);
}

foreach (var command in FabricCommands.Create())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
