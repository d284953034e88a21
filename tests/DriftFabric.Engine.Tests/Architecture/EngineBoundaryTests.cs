namespace DriftFabric.Engine.Tests.Architecture;

/// <summary>The engine is the verdict only: what it judges is read and written by the sources, never by the engine itself.</summary>
public sealed class EngineBoundaryTests
{
    private static readonly string[] Io =
    [
        "System.Net.Http",
        "System.Net.Sockets",
        "System.Net.Requests",
        "System.Net.WebSockets",
        "System.Diagnostics.Process",
    ];

    [Fact]
    public void The_engine_references_no_network_socket_or_process_library()
    {
        var references = typeof(DriftEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.NotEmpty(references);
        Assert.Empty(references.Intersect(Io, StringComparer.Ordinal));
    }
}
