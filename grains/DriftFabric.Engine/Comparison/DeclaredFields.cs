using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Whether an applier is this object's pipeline: it owns at least one field that desired
/// declares, holding the value desired gives it. An applier that owns none of them applies
/// another pipeline's fields (a second tool writing its own annotations), and what it applied
/// is not this code's to drop.
/// </summary>
internal sealed class DeclaredFields(ResourceKey key, FieldOwnership ownership, int rank)
{
    private readonly List<PathStep> _path = [];
    private readonly List<JsonElement> _liveAt = [];

    public bool OwnsOneOf(MapNode desired, JsonElement live) => Map(desired, live);

    private bool Map(MapNode desired, JsonElement live)
    {
        for (var i = 0; i < desired.Count; i++)
        {
            var name = desired.KeyAt(i);
            if (!live.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            _path.Add(PathStep.Field(name));
            _liveAt.Add(default);
            var owns = Value(desired.ValueAt(i), value);
            _path.RemoveAt(_path.Count - 1);
            _liveAt.RemoveAt(_liveAt.Count - 1);
            if (owns)
            {
                return true;
            }
        }

        return false;
    }

    private bool Value(Node desired, JsonElement live)
    {
        switch (desired)
        {
            case MapNode map when live.ValueKind == JsonValueKind.Object:
                return Map(map, live);
            case ListNode list when live.ValueKind == JsonValueKind.Array && KeyedLists.KeyFieldOf(key, _path, list, live) is { } keyField:
                foreach (var item in list.Items)
                {
                    var element = (MapNode)item;
                    var step = KeyedLists.StepOf(element, keyField);
                    foreach (var candidate in live.EnumerateArray())
                    {
                        if (KeyedLists.SameKey(element, candidate, keyField, step.Name))
                        {
                            _path.Add(step);
                            _liveAt.Add(candidate);
                            var owns = Map(element, candidate);
                            _path.RemoveAt(_path.Count - 1);
                            _liveAt.RemoveAt(_liveAt.Count - 1);
                            if (owns)
                            {
                                return true;
                            }

                            break;
                        }
                    }
                }

                return false;
            case ScalarNode scalar when JsonNodes.IsScalar(live):
                return JsonNodes.ValueEquals(scalar, live) && ownership.Names(rank, _path, _liveAt);
            case ListNode when live.ValueKind == JsonValueKind.Array:
                return JsonNodes.ToNode(live) is var value && Defaults.DefaultValue.Same(desired, value) && ownership.Names(rank, _path, _liveAt);
            default:
                return false;
        }
    }
}
