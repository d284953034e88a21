using System.CommandLine;
using DriftFabric.Cli.Commands;

var root = new RootCommand("DriftFabric: infrastructure-as-code drift detection for Kubernetes fleets.")
{
    CheckCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
