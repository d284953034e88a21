using DriftFabric.Engine.Model;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Sources.Fleet;

/// <summary>The fields only the fleet's topology has: names that become grain keys, and paths on this machine.</summary>
internal static class FleetFields
{
    /// <summary>A name usable in grain keys and paths: lowercase letters, digits and '-'.</summary>
    public static string? RequiredName(this SpecReader reader, MapNode map, string key, string field)
    {
        if (map[key] is null)
        {
            reader.Error(map, field, "is required");
            return null;
        }

        var name = reader.OptionalString(map, key, field);
        if (name is not null && !IsDnsLabel(name))
        {
            reader.Error(map[key]!, field, $"'{name}' must be lowercase letters, digits and '-', starting with a letter (at most 63)");
            return null;
        }

        return name;
    }

    /// <summary>A path resolved against <paramref name="baseDirectory"/> and checked to exist there; taken as written when it is null.</summary>
    public static string? RequiredPath(this SpecReader reader, MapNode map, string key, string field, string? baseDirectory)
    {
        if (map[key] is null)
        {
            reader.Error(map, field, "is required");
            return null;
        }

        if (reader.OptionalString(map, key, field) is not { } text)
        {
            return null;
        }

        var path = baseDirectory is null ? text : Path.GetFullPath(Path.Combine(baseDirectory, text));
        if (baseDirectory is not null && !File.Exists(path) && !Directory.Exists(path))
        {
            reader.Error(map[key]!, field, $"'{text}' does not exist (looked for {path})");
            return null;
        }

        return path;
    }

    private static bool IsDnsLabel(string name) =>
        name.Length is > 0 and <= 63 && char.IsAsciiLetterLower(name[0]) && name[^1] != '-'
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
