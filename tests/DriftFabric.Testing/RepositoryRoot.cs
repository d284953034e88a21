namespace DriftFabric.Testing;

/// <summary>The checkout the tests run from, for what they read in place (deploy/, the sources an image is built from).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "DriftFabric.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DriftFabric.sln not found above " + AppContext.BaseDirectory);
    }
}
