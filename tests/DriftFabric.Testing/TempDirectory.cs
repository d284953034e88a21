using System.Text;

namespace DriftFabric.Testing;

/// <summary>A folder for one test under the system's temp folder, deleted with everything in it afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo _dir;

    public TempDirectory(string prefix = "driftfabric-test-") => _dir = Directory.CreateTempSubdirectory(prefix);

    public string Root => _dir.FullName;

    /// <summary>The full path of <paramref name="relative"/> (written with <c>/</c>) inside the folder.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark (folders made as needed); returns the full path.</summary>
    public string Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    public void Dispose()
    {
        if (_dir.Exists)
        {
            _dir.Delete(recursive: true);
        }
    }
}
