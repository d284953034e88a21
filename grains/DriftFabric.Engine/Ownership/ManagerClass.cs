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
/// extended by the fleet spec. Patterns may use <c>*</c> as a wildcard; names match whatever
/// their case (<c>HashiCorp</c>, <c>hashicorp</c>).
/// </summary>
public sealed class ManagerClassifier
{
    private static readonly string[] BuiltInAppliers =
    [
        "kubectl-client-side-apply", "argocd", "argocd-controller", "argocd-application-controller", "kustomize-controller",
        "helm-controller", "helm", "HashiCorp", "terraform*", "pulumi*", "driftfabric",
    ];

    // Well-known controllers whose names follow no pattern.
    private static readonly string[] BuiltInControllers =
    [
        "kube-controller-manager", "kube-scheduler", "kubelet", "kube-apiserver",
        "external-secrets", "cert-manager-cainjector", "cainjector", "pilot-discovery", "vpa-recommender", "vpa-updater",
        "cluster-autoscaler", "karpenter", "controller",
    ];

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

    /// <summary>The class of a managedFields entry.</summary>
    /// <param name="ownsLastApplied">
    /// The entry's fieldsV1 names <c>kubectl.kubernetes.io/last-applied-configuration</c>: an
    /// <c>Update</c> that does is a client-side apply, whatever the tool calls itself.
    /// </param>
    public ManagerClass Classify(string manager, string? operation, string? subresource, bool ownsLastApplied = false) =>
        ClassOf(ByName(manager), manager, operation, subresource, ownsLastApplied);

    /// <summary>The class a manager's name alone gives (the entry's operation, subresource and fields may change it).</summary>
    private ManagerClass ByName(string manager)
    {
        if (Matches(_appliers, manager))
        {
            return ManagerClass.Applier;
        }

        if (Matches(_controllers, manager) || Array.Exists(ControllerSuffixes, s => manager.EndsWith(s, StringComparison.OrdinalIgnoreCase)))
        {
            return ManagerClass.Controller;
        }

        return ManagerClass.OutOfBand;
    }

    /// <summary>An entry's class from its manager's class by name and what else the entry says.</summary>
    internal static ManagerClass ClassOf(ManagerClass byName, string manager, string? operation, string? subresource, bool ownsLastApplied)
    {
        if (subresource == "status")
        {
            return ManagerClass.Controller;
        }

        if (byName == ManagerClass.Applier
            || (operation == "Apply" && string.Equals(manager, "kubectl", StringComparison.OrdinalIgnoreCase))
            || (operation == "Update" && ownsLastApplied))
        {
            return ManagerClass.Applier;
        }

        return byName;
    }

    private const int MaxCachedManagers = 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ManagerClass> _byManager = new(StringComparer.Ordinal);

    /// <summary>
    /// The manager's name as one shared string, and its class by name (see <see cref="ClassOf"/>
    /// for an entry's), from the name as characters: managers repeat across every object, so
    /// each is classified (and its string made) once.
    /// </summary>
    internal (string Name, ManagerClass Class) Known(ReadOnlySpan<char> manager)
    {
        var lookup = _byManager.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(manager, out var name, out var known))
        {
            return (name, known);
        }

        name = new string(manager);
        var result = ByName(name);
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
        return (name, ByName(name));
    }

    private static bool Matches(string[] patterns, string manager)
    {
        foreach (var pattern in patterns)
        {
            if (Glob.IsMatch(pattern, manager, ignoreCase: true))
            {
                return true;
            }
        }

        return false;
    }
}
