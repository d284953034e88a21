using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Defaults;

internal static partial class KubernetesDefaults
{
    private static void ApiExtensions(SchemaBuilder b)
    {
        b.Kind("apiextensions.k8s.io/CustomResourceDefinition", "CustomResourceDefinition");

        // staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/defaults.go:
        // SetDefaults_CustomResourceDefinitionSpec (singular, listKind, conversion), SetDefaults_ServiceReference;
        // .../v1/types.go: CustomResourceDefinitionSpec (preserveUnknownFields), CustomResourceDefinitionVersion
        // (deprecated), CustomResourceColumnDefinition (priority): non-pointer, omitempty
        b.Type("CustomResourceDefinition").Object("metadata", "ObjectMeta").Object("spec", "CustomResourceDefinitionSpec");
        b.Type("CustomResourceDefinitionSpec")
            .Object("names", "CustomResourceDefinitionNames")
            .DefaultJson("conversion", """{"strategy":"None"}""")
            .Object("conversion", "CustomResourceConversion")
            .Zero("preserveUnknownFields")
            .List("versions", "CustomResourceDefinitionVersion");
        b.Type("CustomResourceDefinitionNames")
            .Rule("singular", "the kind in lower case", c => c.Value is ScalarNode { Kind: NodeKind.String } s && c.Parent?.GetString("kind") is { } kind && IsLowerCaseOf(s.Text, kind))
            .Rule("listKind", "the kind followed by List", c => c.Value is ScalarNode { Kind: NodeKind.String } s && c.Parent?.GetString("kind") is { Length: > 0 } kind && s.Text == kind + "List");
        b.Type("CustomResourceConversion").Object("webhook", "WebhookConversion");
        b.Type("WebhookConversion").Object("clientConfig", "WebhookClientConfig");
        b.Type("CustomResourceDefinitionVersion")
            .Zero("deprecated")
            .Object("schema", "CustomResourceValidation")
            .List("additionalPrinterColumns", "CustomResourceColumnDefinition");
        b.Type("CustomResourceColumnDefinition").Zero("priority", 0);
        b.Type("CustomResourceValidation").Object("openAPIV3Schema", "JSONSchemaProps");

        // .../v1/types_jsonschema.go: JSONSchemaProps (exclusiveMaximum, exclusiveMinimum, uniqueItems, nullable,
        // x-kubernetes-embedded-resource, x-kubernetes-int-or-string: bool, omitempty), at any depth
        b.Type("JSONSchemaProps")
            .Zero("exclusiveMaximum")
            .Zero("exclusiveMinimum")
            .Zero("uniqueItems")
            .Zero("nullable")
            .Zero("x-kubernetes-embedded-resource")
            .Zero("x-kubernetes-int-or-string")
            .Map("properties", "JSONSchemaProps")
            .Map("patternProperties", "JSONSchemaProps")
            .Map("definitions", "JSONSchemaProps")
            .Object("items", "JSONSchemaProps")
            .Object("additionalProperties", "JSONSchemaProps")
            .Object("additionalItems", "JSONSchemaProps")
            .Object("not", "JSONSchemaProps")
            .List("allOf", "JSONSchemaProps")
            .List("oneOf", "JSONSchemaProps")
            .List("anyOf", "JSONSchemaProps");
    }

    private static bool IsLowerCaseOf(string text, string kind) =>
        string.Equals(text, kind, StringComparison.OrdinalIgnoreCase) && !text.Any(char.IsUpper);
}
