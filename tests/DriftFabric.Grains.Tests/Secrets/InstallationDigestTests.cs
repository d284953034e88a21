using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Secrets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DriftFabric.Grains.Tests.Secrets;

/// <summary>The installation key of Secret digests: configured, or generated once and kept where every silo finds it.</summary>
public sealed class InstallationDigestTests : IDisposable
{
    private readonly TempDirectory _dir = new("driftfabric-digest-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_generated_key_is_kept_once_and_read_ever_after()
    {
        var store = new DirectoryDigestKeyStore(_dir.PathOf("data"));
        var first = DigestKeys.Generate();

        var made = await store.GetOrAddAsync(first, CancellationToken.None);
        var again = await store.GetOrAddAsync(DigestKeys.Generate(), CancellationToken.None);

        Assert.True(made.Created);
        Assert.False(again.Created);
        Assert.Equal([.. first, (byte)'\n'], made.Key);
        Assert.Equal(made.Key, again.Key);
        Assert.Equal(SecretDigest.Hmac(first).KeyId, SecretDigest.Hmac(again.Key).KeyId);
        Assert.Equal(64, first.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Location));
        }
    }

    [Fact]
    public async Task Silos_sharing_a_data_directory_agree_on_the_first_writers_key()
    {
        var directory = _dir.PathOf("shared");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new DirectoryDigestKeyStore(directory).GetOrAddAsync(DigestKeys.Generate(), CancellationToken.None))));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => Convert.ToHexString(r.Key)).Distinct());
        Assert.Equal([SecretDigestOptions.KeyFileName], Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Silos_of_a_redis_fabric_agree_on_the_first_writers_key()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new RedisDigestKeyStore(connection, "fabric:secret-digest-key").GetOrAddAsync(DigestKeys.Generate(), CancellationToken.None))));

        Assert.Single(results, r => r.Created);
        var key = Assert.Single(results.Select(r => Encoding.ASCII.GetString(r.Key)).Distinct());
        Assert.Equal(key, await redis.CommandAsync("GET", "fabric:secret-digest-key"));
    }

    [Fact]
    public async Task A_configured_key_or_key_file_is_used_as_it_is_and_never_logged()
    {
        const string Key = "a-configured-installation-key-77";
        var file = _dir.PathOf("digest.key");
        await File.WriteAllTextAsync(file, Key + "\n");
        var store = new DirectoryDigestKeyStore(_dir.PathOf("unused"));
        var logs = new ListLogger();

        var fromKey = new InstallationDigest(Options.Create(new SecretDigestOptions { Key = Key }), store, logs);
        var fromFile = new InstallationDigest(Options.Create(new SecretDigestOptions { KeyFile = file }), store, logs);
        await fromKey.LoadAsync(CancellationToken.None);
        await fromFile.LoadAsync(CancellationToken.None);

        Assert.Equal(SecretDigest.Hmac(Encoding.UTF8.GetBytes(Key)).KeyId, fromKey.Digest.KeyId);
        Assert.Equal(fromKey.Digest.KeyId, fromFile.Digest.KeyId);
        Assert.Equal(SecretValues.DigestOfText("v", fromKey.Digest), SecretValues.DigestOfText("v", fromFile.Digest));
        Assert.False(File.Exists(store.Location));
        Assert.Equal(2, logs.Lines.Count(l => l.Contains(fromKey.Digest.KeyId, StringComparison.Ordinal)));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_configured_key_one_is_generated_logged_by_its_id_only_and_reused()
    {
        var store = new DirectoryDigestKeyStore(_dir.PathOf("data"));
        var logs = new ListLogger();

        var first = new InstallationDigest(Options.Create(new SecretDigestOptions()), store, logs);
        await first.LoadAsync(CancellationToken.None);
        var kept = (await File.ReadAllTextAsync(store.Location)).Trim();
        var second = new InstallationDigest(Options.Create(new SecretDigestOptions()), store, logs);
        await second.LoadAsync(CancellationToken.None);

        Assert.Equal(first.Digest.KeyId, second.Digest.KeyId);
        Assert.Equal(SecretDigest.Hmac(Encoding.ASCII.GetBytes(kept)).KeyId, first.Digest.KeyId);
        Assert.Single(logs.Lines, l => l.StartsWith("Generated", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(kept, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_are_refused_at_start_when_the_key_is_short_or_doubly_given_without_quoting_it()
    {
        var validator = new SecretDigestOptionsValidator();

        var tooShort = validator.Validate(null, new SecretDigestOptions { Key = "hunter2" });
        var both = validator.Validate(null, new SecretDigestOptions { Key = "long-enough-key-0123456789", KeyFile = "/etc/hostname" });
        var missingFile = validator.Validate(null, new SecretDigestOptions { KeyFile = _dir.PathOf("absent.key") });

        Assert.True(tooShort.Failed && both.Failed && missingFile.Failed);
        Assert.DoesNotContain("hunter2", tooShort.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("long-enough-key", both.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new SecretDigestOptions()).Succeeded);
    }

    private sealed class ListLogger : ILogger<InstallationDigest>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
