namespace DriftFabric.Abstractions;

/// <summary>
/// A grain activation stood down because another activation of the same grain wrote its state
/// (a duplicate activation): the call that found it fails with this, and the grain's next call
/// reaches an activation that reads what the other one stored.
/// </summary>
[GenerateSerializer, Alias("driftfabric.DuplicateActivationException")]
public sealed class DuplicateActivationException : Exception
{
    public DuplicateActivationException(string grain, Exception? inner)
        : base($"{grain} stood down: another activation of it wrote its state (a duplicate activation); its next call reads what that one stored", inner)
    {
        Grain = grain;
    }

    /// <summary>The grain's id.</summary>
    [Id(0)]
    public string Grain { get; private set; }
}
