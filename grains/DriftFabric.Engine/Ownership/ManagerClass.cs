namespace DriftFabric.Engine.Ownership;

/// <summary>The three kinds of field manager that decide whether a live field is drift.</summary>
public enum ManagerClass
{
    /// <summary>The IaC pipeline: what it wrote came from code.</summary>
    Applier,

    /// <summary>Automation that is expected to write (HPA, kubelet, status writers): never drift.</summary>
    Controller,

    /// <summary>Anything else: a change that skipped review.</summary>
    OutOfBand,
}

/// <summary>
/// Sorts field managers into <see cref="ManagerClass"/> by the rules of the drift semantics,
/// extended by the fleet spec. Patterns may use <c>*</c> as a wildcard.
/// </summary>
public sealed class ManagerClassifier
{
    private static readonly string[] BuiltInAppliers =
    [
        "kubectl-client-side-apply", "argocd-controller", "argocd-application-controller", "kustomize-controller",
        "helm-controller", "helm", "terraform*", "pulumi*", "driftfabric",
    ];

    private static readonly string[] BuiltInControllers = ["kube-controller-manager", "kube-scheduler", "kubelet", "kube-apiserver"];
    private static readonly string[] ControllerSuffixes = ["-controller", "-controller-manager", "-operator"];

    // Declared after the lists it reads: static initializers run in textual order.
    public static readonly ManagerClassifier Default = new([], []);

    private readonly string[] _appliers;
    private readonly string[] _controllers;

    public ManagerClassifier(IEnumerable<string> extraAppliers, IEnumerable<string> extraControllers)
    {
        _appliers = [.. BuiltInAppliers, .. extraAppliers];
        _controllers = [.. BuiltInControllers, .. extraControllers];
    }

    public ManagerClass Classify(string manager, string? operation, string? subresource)
    {
        if (subresource == "status")
        {
            return ManagerClass.Controller;
        }

        if (Matches(_appliers, manager) || (manager == "kubectl" && operation == "Apply"))
        {
            return ManagerClass.Applier;
        }

        if (Matches(_controllers, manager) || Array.Exists(ControllerSuffixes, s => manager.EndsWith(s, StringComparison.Ordinal)))
        {
            return ManagerClass.Controller;
        }

        return ManagerClass.OutOfBand;
    }

    private const int MaxCachedManagers = 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ManagerClass> _byManager = new(StringComparer.Ordinal);

    /// <summary>
    /// The manager's name as one shared string, and its class for an entry whose operation cannot
    /// change it (any manager but <c>kubectl</c>, no subresource), from the name as characters:
    /// managers repeat across every object, so each is classified (and its string made) once.
    /// </summary>
    internal (string Name, ManagerClass Class) Known(ReadOnlySpan<char> manager)
    {
        var lookup = _byManager.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(manager, out var name, out var known))
        {
            return (name, known);
        }

        name = new string(manager);
        var result = Classify(name, operation: null, subresource: null);
        if (_byManager.Count < MaxCachedManagers)
        {
            _byManager.TryAdd(name, result);
        }

        return (name, result);
    }

    /// <summary>
    /// As <see cref="Known(ReadOnlySpan{char})"/>, the name given as its UTF-8 (without escapes);
    /// a name too long to be cached is classified by name each time.
    /// </summary>
    internal (string Name, ManagerClass Class) Known(ReadOnlySpan<byte> manager)
    {
        Span<char> buffer = stackalloc char[256];
        if (manager.Length <= buffer.Length)
        {
            return Known(buffer[..System.Text.Encoding.UTF8.GetChars(manager, buffer)]);
        }

        var name = System.Text.Encoding.UTF8.GetString(manager);
        return (name, Classify(name, operation: null, subresource: null));
    }

    /// <summary>
    /// True when an entry's class is its manager's class by name: only a subresource, or the
    /// operation of a plain <c>kubectl</c>, can change it (see <see cref="Classify"/>).
    /// </summary>
    internal static bool ByNameAlone(string manager, string? subresource) => subresource is null && manager != "kubectl";

    private static bool Matches(string[] patterns, string manager)
    {
        foreach (var pattern in patterns)
        {
            if (Glob.IsMatch(pattern, manager))
            {
                return true;
            }
        }

        return false;
    }
}
