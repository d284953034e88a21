using DriftFabric.Sources.Git;
using Microsoft.Extensions.Options;

namespace DriftFabric.Grains.Fleet;

/// <summary>Refuses a Git cache the silo could not keep within bounds, at start, with what is wrong.</summary>
public sealed class GitCacheOptionsValidator : IValidateOptions<GitCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, GitCacheOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
