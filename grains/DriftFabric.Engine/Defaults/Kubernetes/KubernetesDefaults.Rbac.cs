using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    private static void Rbac(SchemaBuilder b)
    {
        b.Kind(RbacGroup + "/RoleBinding", "RoleBinding")
            .Kind(RbacGroup + "/ClusterRoleBinding", "ClusterRoleBinding");

        // pkg/apis/rbac/v1/defaults.go: SetDefaults_RoleBinding, SetDefaults_ClusterRoleBinding (roleRef's
        // apiGroup), SetDefaults_Subject (apiGroup by kind)
        b.Type("RoleBinding").Object("metadata", "ObjectMeta").Object("roleRef", "RoleRef").List("subjects", "Subject");
        b.Type("ClusterRoleBinding").Object("metadata", "ObjectMeta").Object("roleRef", "RoleRef").List("subjects", "Subject");
        b.Type("RoleRef").Default("apiGroup", RbacGroup);
        b.Type("Subject").Rule("apiGroup", "rbac.authorization.k8s.io for User and Group, \"\" for ServiceAccount", c => IsDefaultSubjectGroup(c.Value, c.Parent));
    }

    private static bool IsDefaultSubjectGroup(Node value, MapNode? subject) =>
        value is ScalarNode { Kind: NodeKind.String } group && subject?.GetString("kind") switch
        {
            "User" or "Group" => group.Text == RbacGroup,
            "ServiceAccount" => group.Text.Length == 0,
            _ => false,
        };
}
