using DriftFabric.Abstractions;
using k8s;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>Makes a connection to a cluster's API server: the cluster grain's watch and the remediations' writes each hold their own.</summary>
public interface IKubeClientFactory
{
    /// <exception cref="k8s.Exceptions.KubeConfigException">The kubeconfig (or the in-cluster service account) does not read.</exception>
    IKubernetes Create(KubeEndpoint endpoint);
}

/// <summary>KubernetesClient from a kubeconfig file and context, or from the pod's service account (<see cref="KubeEndpoint.InCluster"/>).</summary>
public sealed class KubeClientFactory : IKubeClientFactory
{
    public IKubernetes Create(KubeEndpoint endpoint) => new k8s.Kubernetes(endpoint.InCluster
        ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile(endpoint.Kubeconfig, currentContext: endpoint.Context));
}
