using DriftFabric.Sources.Kubernetes;
using Microsoft.Extensions.Options;

namespace DriftFabric.Grains.Fleet;

/// <summary>Refuses a service-account folder that cannot be one (empty, relative), at start, with what is wrong.</summary>
public sealed class KubernetesOptionsValidator : IValidateOptions<KubernetesOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
