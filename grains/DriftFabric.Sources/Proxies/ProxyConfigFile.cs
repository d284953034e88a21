using DriftFabric.Engine.Proxies;

namespace DriftFabric.Sources.Proxies;

/// <summary>A proxy config kept in a file: the declared one, or a saved dump of a running proxy.</summary>
public static class ProxyConfigFile
{
    /// <summary>The file's bytes, refused beyond <see cref="ProxyEndpoints.MaxBytes"/>; a <see cref="ProxyReadException"/> naming it otherwise.</summary>
    public static async Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > ProxyEndpoints.MaxBytes)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, path, ProxyEndpoints.TooLarge(info.Length));
        }

        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProxyReadException(ProxyProblem.Unreachable, path, "cannot read: " + e.Message, inner: e);
        }
    }
}
