using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void Resource(SchemaBuilder b)
    {
        b.Kind("resource.k8s.io/ResourceClaim", "ResourceClaim")
            .Kind("resource.k8s.io/ResourceClaimTemplate", "ResourceClaimTemplate")
            .Kind("resource.k8s.io/ResourceSlice", "ResourceSlice");

        // pkg/apis/resource/v1/defaults.go: SetDefaults_ExactDeviceRequest, SetDefaults_DeviceSubRequest
        // (allocationMode ExactCount, count 1 for ExactCount); staging/src/k8s.io/api/resource/v1/types.go:
        // DeviceToleration (operator +default="Equal")
        b.Type("ResourceClaim").Object("metadata", "ObjectMeta").Object("spec", "ResourceClaimSpec");
        b.Type("ResourceClaimTemplate").Object("metadata", "ObjectMeta").Object("spec", "ResourceClaimTemplateSpec");
        b.Type("ResourceClaimTemplateSpec").Object("metadata", "ObjectMeta").Object("spec", "ResourceClaimSpec");
        b.Type("ResourceClaimSpec").Object("devices", "DeviceClaim");
        b.Type("DeviceClaim").List("requests", "DeviceRequest");
        b.Type("DeviceRequest").Object("exactly", "ExactDeviceRequest").List("firstAvailable", "DeviceSubRequest");
        DeviceRequestFields(b.Type("ExactDeviceRequest"));
        DeviceRequestFields(b.Type("DeviceSubRequest"));
        b.Type("DeviceToleration").Default("operator", "Equal");

        // pkg/apis/resource/v1/defaults.go: SetDefaults_DeviceTaint (timeAdded: the time of the write)
        b.Type("ResourceSlice").Object("metadata", "ObjectMeta").Object("spec", "ResourceSliceSpec");
        b.Type("ResourceSliceSpec").List("devices", "Device");
        b.Type("Device").List("taints", "DeviceTaint");
        b.Type("DeviceTaint").Assigned("timeAdded");
    }

    private static TypeBuilder DeviceRequestFields(TypeBuilder request) =>
        request.Default("allocationMode", "ExactCount")
            .Rule("count", "1 for allocationMode ExactCount (0, left out, for All)", c => c.Value is ScalarNode { Exact: { } count } && count == (c.Parent?.GetString("allocationMode") is null or "ExactCount" ? 1 : 0))
            .List("tolerations", "DeviceToleration");
}
