using System.Text;
using StackExchange.Redis;

namespace DriftFabric.Grains.Secrets;

/// <summary>Where a generated installation key is kept, so that it is made once and read ever after.</summary>
public interface IDigestKeyStore
{
    /// <summary>Where the key is kept, for a log line (a path or a Redis key; never the key).</summary>
    string Location { get; }

    /// <summary>
    /// The key kept, or <paramref name="generated"/> kept as the key when there is none yet.
    /// Atomic: when several silos start at once, the first writer's key is everyone's.
    /// </summary>
    /// <returns>The key, and whether it is <paramref name="generated"/> (this call made it).</returns>
    Task<(byte[] Key, bool Created)> GetOrAddAsync(byte[] generated, CancellationToken cancellationToken);
}

/// <summary>
/// The embedded fabric's key: a file (<see cref="SecretDigestOptions.KeyFileName"/>) in a data
/// directory, readable by its owner only, created by moving a complete file into place so that a
/// second writer finds the first's key and no reader sees half a key.
/// </summary>
/// <param name="directory">The data directory; null when there is none (a user without local application data), which fails only when a key is to be kept.</param>
public sealed class DirectoryDigestKeyStore(string? directory) : IDigestKeyStore
{
    public string Location { get; } = directory is null ? "no data directory" : Path.Combine(directory, SecretDigestOptions.KeyFileName);

    public async Task<(byte[] Key, bool Created)> GetOrAddAsync(byte[] generated, CancellationToken cancellationToken)
    {
        if (directory is null)
        {
            throw new SecretDigestException($"this user has no local application data to keep the installation key in; set {SecretDigestOptions.Section}:DataDirectory (or a Key or KeyFile)");
        }

        if (File.Exists(Location))
        {
            return (await ReadWholeAsync(cancellationToken), false);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // The file holds the key as text, ending in a newline as any text file does; the key reads
        // without it. Created only where none is (the one atomic step a file system offers every
        // writer: a second writer's create fails and it reads the first's key); a reader waits for
        // the newline, so it never takes half a key.
        byte[] content = [.. generated, (byte)'\n'];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using var file = new FileStream(Location, options);
            await file.WriteAsync(content, cancellationToken);
            await file.FlushAsync(cancellationToken);
            return (content, true);
        }
        catch (IOException) when (File.Exists(Location))
        {
            return (await ReadWholeAsync(cancellationToken), false);
        }
    }

    /// <summary>The kept key once its writer has finished it (its last byte, the newline, written).</summary>
    private async Task<byte[]> ReadWholeAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var content = await File.ReadAllBytesAsync(Location, cancellationToken);
            if (content is [.., (byte)'\n'])
            {
                return content;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        throw new SecretDigestException($"{Location} holds no complete key (no line ends it); remove it to have a new one made, or set a Key or KeyFile");
    }
}

/// <summary>
/// A Redis fabric's key: one Redis string every silo reads, set only where none is
/// (<c>SET NX</c>), so that silos starting together agree on the first writer's key.
/// </summary>
public sealed class RedisDigestKeyStore(IConnectionMultiplexer redis, string key) : IDigestKeyStore
{
    public string Location => $"redis key {key}";

    public async Task<(byte[] Key, bool Created)> GetOrAddAsync(byte[] generated, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var created = await db.StringSetAsync(key, generated, when: When.NotExists);
        var kept = await db.StringGetAsync(key);
        return kept.IsNull
            ? throw new SecretDigestException($"{Location} is gone right after it was set")
            : ((byte[])kept!, created);
    }
}

/// <summary>A new installation key: 32 random bytes, written as 64 hex digits (the key is that text).</summary>
public static class DigestKeys
{
    public static byte[] Generate() => Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
}
