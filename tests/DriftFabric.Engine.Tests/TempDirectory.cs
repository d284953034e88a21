namespace DriftFabric.Engine.Tests;

/// <summary>A folder for one test, deleted with everything in it afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("driftfabric-test-");

    public string Path => _dir.FullName;

    public string Write(string relative, string text)
    {
        var path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
