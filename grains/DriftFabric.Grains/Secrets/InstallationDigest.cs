using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Telemetry;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DriftFabric.Grains.Secrets;

/// <summary>
/// The fabric's <see cref="SecretDigest"/>: HMAC-SHA256 under the installation key, read when the
/// silo starts (before any grain can activate) from the configured key or file, else from the
/// store a generated key is kept in. Every silo of a fabric reads the same key, so digests of one
/// value agree wherever they are made. The key is never logged; its id is.
/// </summary>
public sealed partial class InstallationDigest(IOptions<SecretDigestOptions> options, IDigestKeyStore store, ILogger<InstallationDigest> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(1);
    private const int StoreAttempts = 30;

    private SecretDigest? _digest;

    /// <summary>The digest; there from the silo's start on.</summary>
    /// <exception cref="InvalidOperationException">Asked before the silo started.</exception>
    public SecretDigest Digest => _digest ?? throw new InvalidOperationException("the installation key is read when the silo starts");

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(InstallationDigest), ServiceLifecycleStage.RuntimeInitialize, LoadAsync, _ => Task.CompletedTask);

    /// <summary>Reads (or makes and keeps) the key.</summary>
    /// <exception cref="SecretDigestException">The key cannot be read or kept, or is too short (the message never quotes it).</exception>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var (key, origin) = await ReadAsync(options.Value, cancellationToken);
        if (SecretDigest.KeyProblem(key) is { } problem)
        {
            throw new SecretDigestException($"the key from {origin} cannot be used: {problem}");
        }

        _digest = SecretDigest.Hmac(key);
        Array.Clear(key);
        LogKeyRead(logger, _digest.KeyId, origin);
    }

    private async Task<(byte[] Key, string Origin)> ReadAsync(SecretDigestOptions configured, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configured.Key))
        {
            return (Encoding.UTF8.GetBytes(configured.Key), $"configuration ({SecretDigestOptions.Section}:Key)");
        }

        if (!string.IsNullOrWhiteSpace(configured.KeyFile))
        {
            try
            {
                return (await File.ReadAllBytesAsync(configured.KeyFile, cancellationToken), configured.KeyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SecretDigestException($"cannot read the key file {configured.KeyFile}: {e.Message}", e);
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var generated = DigestKeys.Generate();
                var (key, created) = await store.GetOrAddAsync(generated, cancellationToken);
                if (created)
                {
                    LogKeyGenerated(logger, store.Location);
                }
                else
                {
                    Array.Clear(generated);
                }

                return (key, store.Location);
            }
            catch (Exception e) when (e is RedisException or TimeoutException && attempt < StoreAttempts)
            {
                LogStoreUnreachable(logger, store.Location, attempt, e.Message);
                await Task.Delay(StoreRetry, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or RedisException or TimeoutException)
            {
                throw new SecretDigestException($"cannot read or keep the installation key in {store.Location}: {e.Message}", e);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.DigestKeyLoaded, Level = LogLevel.Information, Message = "Secret digests are HMAC-SHA256 under the installation key {KeyId} from {Origin}")]
    private static partial void LogKeyRead(ILogger logger, string keyId, string origin);

    [LoggerMessage(EventId = LogEvents.DigestKeyGenerated, Level = LogLevel.Information, Message = "Generated the installation key for Secret digests, kept in {Location}: digests made under another key never match these")]
    private static partial void LogKeyGenerated(ILogger logger, string location);

    [LoggerMessage(EventId = LogEvents.DigestKeyUnreachable, Level = LogLevel.Warning, Message = "Cannot reach {Location} for the installation key (attempt {Attempt}): {Reason}; trying again")]
    private static partial void LogStoreUnreachable(ILogger logger, string location, int attempt, string reason);
}

/// <summary>The installation key cannot be had: the silo does not start (the message never quotes the key).</summary>
public sealed class SecretDigestException : Exception
{
    public SecretDigestException()
    {
    }

    public SecretDigestException(string message)
        : base(message)
    {
    }

    public SecretDigestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
