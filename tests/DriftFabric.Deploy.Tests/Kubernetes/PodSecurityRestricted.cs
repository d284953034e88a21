using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// The Pod Security Standards' <c>restricted</c> profile (which includes <c>baseline</c>), as
/// https://kubernetes.io/docs/concepts/security/pod-security-standards/ lists its controls, checked
/// against a pod spec: what the admission controller would refuse, one line per violation.
/// </summary>
public static class PodSecurityRestricted
{
    /// <summary>The volume types the restricted profile allows.</summary>
    private static readonly HashSet<string> AllowedVolumeTypes =
        ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    /// <summary>The sysctls the baseline profile allows.</summary>
    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ];

    private static readonly HashSet<string> AllowedSeLinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

    public static IReadOnlyList<string> Violations(V1PodSpec pod)
    {
        var found = new List<string>();
        var podContext = pod.SecurityContext ?? new V1PodSecurityContext();
        var containers = (pod.InitContainers ?? []).Concat(pod.Containers).Select(c => (c.Name, c.SecurityContext ?? new V1SecurityContext(), c.Ports ?? []))
            .Concat((pod.EphemeralContainers ?? []).Select(c => (c.Name, c.SecurityContext ?? new V1SecurityContext(), c.Ports ?? [])))
            .ToList();

        // Baseline: host namespaces, HostProcess, privileged, capabilities, hostPath, host ports,
        // AppArmor, SELinux, /proc mount, seccomp, sysctls.
        if (pod.HostNetwork == true || pod.HostPID == true || pod.HostIPC == true)
        {
            found.Add("host namespaces: hostNetwork, hostPID and hostIPC must be unset or false");
        }

        if (podContext.WindowsOptions?.HostProcess == true)
        {
            found.Add("pod: windowsOptions.hostProcess must not be true");
        }

        foreach (var volume in pod.Volumes ?? [])
        {
            var type = VolumeType(volume);
            if (!AllowedVolumeTypes.Contains(type))
            {
                found.Add($"volume {volume.Name}: type {type} is not allowed (hostPath included)");
            }
        }

        if (podContext.Sysctls?.FirstOrDefault(s => !SafeSysctls.Contains(s.Name)) is { } sysctl)
        {
            found.Add($"pod: sysctl {sysctl.Name} is not in the safe set");
        }

        CheckSeLinux("pod", podContext.SeLinuxOptions);
        CheckAppArmor("pod", podContext.AppArmorProfile?.Type);

        // Restricted at pod level: a non-root user, and the seccomp profile (else on every container).
        if (podContext.RunAsUser == 0)
        {
            found.Add("pod: runAsUser must not be 0");
        }

        var podSeccomp = podContext.SeccompProfile?.Type;
        if (podSeccomp is not (null or "RuntimeDefault" or "Localhost"))
        {
            found.Add($"pod: seccompProfile.type {podSeccomp} is neither RuntimeDefault nor Localhost");
        }

        foreach (var (name, context, ports) in containers)
        {
            var where = "container " + name;
            if (context.Privileged == true)
            {
                found.Add(where + ": privileged");
            }

            if (context.WindowsOptions?.HostProcess == true)
            {
                found.Add(where + ": windowsOptions.hostProcess must not be true");
            }

            if (ports.FirstOrDefault(p => p.HostPort is not (null or 0)) is { } hostPort)
            {
                found.Add($"{where}: hostPort {hostPort.HostPort}");
            }

            if (context.ProcMount is not (null or "Default"))
            {
                found.Add($"{where}: procMount {context.ProcMount}");
            }

            CheckSeLinux(where, context.SeLinuxOptions);
            CheckAppArmor(where, context.AppArmorProfile?.Type);

            if (context.AllowPrivilegeEscalation != false)
            {
                found.Add(where + ": allowPrivilegeEscalation must be false");
            }

            if (context.RunAsNonRoot == false || (context.RunAsNonRoot is null && podContext.RunAsNonRoot != true))
            {
                found.Add(where + ": runAsNonRoot must be true (on the pod or the container)");
            }

            if (context.RunAsUser == 0)
            {
                found.Add(where + ": runAsUser must not be 0");
            }

            var seccomp = context.SeccompProfile?.Type ?? podSeccomp;
            if (seccomp is not ("RuntimeDefault" or "Localhost"))
            {
                found.Add($"{where}: seccompProfile.type must be RuntimeDefault or Localhost (on the pod or the container), not {seccomp ?? "unset"}");
            }

            if (context.Capabilities?.Drop?.Contains("ALL") != true)
            {
                found.Add(where + ": capabilities must drop ALL");
            }

            if (context.Capabilities?.Add?.FirstOrDefault(c => c != "NET_BIND_SERVICE") is { } added)
            {
                found.Add($"{where}: capability {added} may not be added (only NET_BIND_SERVICE)");
            }
        }

        return found;

        void CheckSeLinux(string where, V1SELinuxOptions? options)
        {
            if (options is not null && (!AllowedSeLinuxTypes.Contains(options.Type ?? string.Empty) || options.User is not null || options.Role is not null))
            {
                found.Add(where + ": seLinuxOptions may set only an allowed type");
            }
        }

        void CheckAppArmor(string where, string? type)
        {
            if (type is not (null or "RuntimeDefault" or "Localhost"))
            {
                found.Add($"{where}: appArmorProfile.type {type}");
            }
        }
    }

    /// <summary>A volume's type: the one field it sets besides its name.</summary>
    private static string VolumeType(V1Volume volume)
    {
        var fields = JsonNode.Parse(KubernetesJson.Serialize(volume))!.AsObject().Select(f => f.Key).Where(k => k != "name").ToList();
        return fields is [var type] ? type : $"({string.Join(", ", fields)})";
    }
}
