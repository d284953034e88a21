using System.Text;
using DriftFabric.Engine.Comparison;
using Microsoft.Extensions.Options;

namespace DriftFabric.Grains.Secrets;

/// <summary>
/// Where the installation key that Secret digests are keyed with comes from (configuration
/// section <c>DriftFabric:SecretDigest</c>): a file (<see cref="KeyFile"/>) or the key itself
/// (<see cref="Key"/>, e.g. <c>DRIFTFABRIC__SECRETDIGEST__KEY</c> filled from a secret store);
/// with neither, a key is generated once and kept (in Redis for a Redis fabric, else in
/// <see cref="DataDirectory"/>). The key is never logged.
/// </summary>
public sealed class SecretDigestOptions
{
    public const string Section = "DriftFabric:SecretDigest";

    /// <summary>The name of the file a generated key is kept in, in <see cref="DataDirectory"/>.</summary>
    public const string KeyFileName = "secret-digest.key";

    /// <summary>A file holding the key (its bytes, surrounding whitespace removed; at least <see cref="SecretDigest.MinKeyLength"/>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The key itself (its UTF-8 bytes, surrounding whitespace removed).</summary>
    public string? Key { get; set; }

    /// <summary>
    /// Where the embedded fabric keeps the key it generates (file <see cref="KeyFileName"/>);
    /// default: <c>DriftFabric</c> in the user's local application data
    /// (<c>~/.local/share/DriftFabric</c> on Linux, <c>%LOCALAPPDATA%\DriftFabric</c> on Windows).
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary><see cref="DataDirectory"/>, or its default; null when the user has no local application data.</summary>
    public string? DataDirectoryOrDefault()
    {
        if (!string.IsNullOrWhiteSpace(DataDirectory))
        {
            return Path.GetFullPath(DataDirectory);
        }

        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(local) ? null : Path.Combine(local, "DriftFabric");
    }
}

/// <summary>Checks <see cref="SecretDigestOptions"/> at start; a message names the setting, never the key.</summary>
public sealed class SecretDigestOptionsValidator : IValidateOptions<SecretDigestOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretDigestOptions options)
    {
        var hasKey = !string.IsNullOrEmpty(options.Key);
        var hasFile = !string.IsNullOrWhiteSpace(options.KeyFile);
        if (hasKey && hasFile)
        {
            return ValidateOptionsResult.Fail($"{SecretDigestOptions.Section}: set KeyFile or Key, not both");
        }

        if (hasKey && SecretDigest.KeyProblem(Encoding.UTF8.GetBytes(options.Key!)) is { } problem)
        {
            return ValidateOptionsResult.Fail($"{SecretDigestOptions.Section}:Key: {problem}");
        }

        if (hasFile && !File.Exists(options.KeyFile))
        {
            return ValidateOptionsResult.Fail($"{SecretDigestOptions.Section}:KeyFile: {options.KeyFile} does not exist");
        }

        return ValidateOptionsResult.Success;
    }
}
