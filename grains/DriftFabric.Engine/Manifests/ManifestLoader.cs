using System.Buffers;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Manifests;

/// <summary>
/// Manifests read from files, with every input that could not be used. Objects read from JSON
/// are used in place in their parsed documents, which the set holds: disposing it returns their
/// memory to the pool (a set that is never disposed leaves that to the garbage collector).
/// </summary>
public sealed class ManifestSet : IDisposable
{
    private List<System.Text.Json.JsonDocument>? _documents;
    private List<(byte[] Buffer, int Length)>? _buffers;

    public List<Manifest> Manifests { get; } = [];

    public List<ManifestError> Errors { get; } = [];

    /// <summary>Files read that held nothing but white space (for a live snapshot: one being written).</summary>
    public List<string> EmptyFiles { get; } = [];

    /// <summary>
    /// Errors of files that were read at an earlier, good version instead (a repository's last
    /// commit that read without errors): their objects are in <see cref="Manifests"/>, so the set
    /// is whole, and each error still says what is wrong with the file now.
    /// </summary>
    public List<ManifestError> ReadAtEarlierVersion { get; } = [];

    /// <summary>Takes <paramref name="other"/>'s manifests with the memory they are read from; <paramref name="other"/> is left empty.</summary>
    public void Absorb(ManifestSet other)
    {
        Manifests.AddRange(other.Manifests);
        other.Manifests.Clear();
        if (other._documents is { } documents)
        {
            Own(documents);
            other._documents = null;
        }

        if (other._buffers is { } buffers)
        {
            (_buffers ??= []).AddRange(buffers);
            other._buffers = null;
        }
    }

    internal void Own(List<System.Text.Json.JsonDocument> documents) => (_documents ??= []).AddRange(documents);

    /// <summary>A pooled buffer the documents read from; it goes back to the pool with them.</summary>
    internal void Own(byte[] rented, int length) => (_buffers ??= []).Add((rented, length));

    public void Dispose()
    {
        _documents?.ForEach(d => d.Dispose());
        _documents = null;
        _buffers?.ForEach(b => FileBuffers.Return(b.Buffer, b.Length));
        _buffers = null;
    }
}

/// <summary>
/// Reads Kubernetes objects from YAML/JSON files and directories: multi-document YAML,
/// concatenated JSON and <c>kind: List</c> are unpacked. A bad file or document becomes a
/// <see cref="ManifestError"/> naming file and line; everything else is still read.
/// </summary>
public static class ManifestLoader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>API groups whose documents configure tools rather than declare cluster objects.</summary>
    private static readonly string[] ToolGroups = ["kustomize.config.k8s.io", "driftfabric.io", "config.kubernetes.io"];

    public static ManifestSet LoadPath(string path, ParseLimits? limits = null)
    {
        var set = new ManifestSet();
        LoadPathInto(path, set, limits ?? ParseLimits.Default);
        return set;
    }

    public static void LoadPathInto(string path, ManifestSet set, ParseLimits limits)
    {
        if (Directory.Exists(path))
        {
            foreach (var file in EnumerateFiles(path))
            {
                LoadFileInto(file, set, limits);
            }
        }
        else if (File.Exists(path))
        {
            LoadFileInto(path, set, limits);
        }
        else
        {
            set.Errors.Add(new ManifestError(path, 0, "no such file or directory"));
        }
    }

    /// <summary>Manifest files below a directory, sorted, skipping hidden files and folders (<c>.git</c>).</summary>
    public static IEnumerable<string> EnumerateFiles(string directory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden, IgnoreInaccessible = false };
        return Directory.EnumerateFiles(directory, "*", options)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Where(f => !Path.GetRelativePath(directory, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }

    public static void LoadFileInto(string file, ManifestSet set, ParseLimits limits)
    {
        byte[] bytes;
        int length;
        try
        {
            using var handle = File.OpenHandle(file);
            var size = RandomAccess.GetLength(handle);
            var json = IsJsonFile(file, null);
            var max = json ? limits.MaxJsonFileBytes : limits.MaxYamlFileBytes;
            if (size > max)
            {
                set.Errors.Add(new ManifestError(file, 1, $"file is {YamlReader.FormatSize(size)}, over the {YamlReader.FormatSize(max)} limit"));
                return;
            }

            bytes = FileBuffers.Rent<byte>((int)size);
            length = ReadAll(handle, bytes.AsSpan(0, (int)size));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Errors.Add(new ManifestError(file, 0, "cannot read: " + e.Message));
            return;
        }

        if (bytes.AsSpan(0, length).Trim(" \t\r\n"u8).IsEmpty)
        {
            set.EmptyFiles.Add(file);
        }

        if (Load(file, bytes.AsMemory(0, length), set, limits) is BufferUse.Kept)
        {
            set.Own(bytes, length);
        }
        else
        {
            FileBuffers.Return(bytes, length);
        }
    }

    private static int ReadAll(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> into)
    {
        var read = 0;
        while (read < into.Length)
        {
            var n = RandomAccess.Read(handle, into[read..], read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }

    /// <summary>Whether the manifests read still refer to the bytes they were read from.</summary>
    private enum BufferUse
    {
        Released,
        Kept,
    }

    /// <summary>
    /// Reads the objects of one file's bytes. Objects read from JSON are used in place: the
    /// bytes must stay as they are for as long as the set's manifests are used.
    /// </summary>
    public static void LoadBytesInto(string source, ReadOnlyMemory<byte> utf8, ManifestSet set, ParseLimits? limits = null) =>
        Load(source, utf8, set, limits ?? ParseLimits.Default);

    private static BufferUse Load(string source, ReadOnlyMemory<byte> utf8, ManifestSet set, ParseLimits limits)
    {
        var bytes = utf8.Span;
        if (IsJsonFile(source, bytes))
        {
            if (JsonManifests.TryLoad(source, utf8, set, limits))
            {
                return BufferUse.Kept;
            }

            try
            {
                foreach (var value in JsonReader.ReadValues(bytes, limits))
                {
                    AddObject(value, new SourceLocation(source, value.Line), set);
                }
            }
            catch (ParseException e)
            {
                set.Errors.Add(new ManifestError(source, e.Line, e.Message));
            }

            return BufferUse.Released;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        // Decoded into a pooled buffer of the exact size (not the worst case of twice the bytes):
        // the trees read from it keep none of it.
        var length = System.Text.Encoding.UTF8.GetCharCount(bytes);
        var chars = FileBuffers.Rent<char>(length);
        try
        {
            System.Text.Encoding.UTF8.GetChars(bytes, chars);
            LoadYamlInto(source, chars.AsMemory(0, length), set, limits);
        }
        finally
        {
            FileBuffers.Return(chars, length);
        }

        return BufferUse.Released;
    }

    public static void LoadYamlInto(string source, string text, ManifestSet set, ParseLimits? limits = null) => LoadYamlInto(source, text.AsMemory(), set, limits);

    public static void LoadYamlInto(string source, ReadOnlyMemory<char> text, ManifestSet set, ParseLimits? limits = null)
    {
        foreach (var doc in YamlReader.ReadDocuments(text, limits))
        {
            if (doc.Error is { } error)
            {
                set.Errors.Add(new ManifestError(source, error.Line, error.Message));
            }
            else if (doc.Root is { } root)
            {
                AddObject(root, new SourceLocation(source, doc.Line), set);
            }
        }
    }

    /// <summary>True for a document of a tool's own configuration (kustomize, DriftFabric), which declares no cluster object.</summary>
    internal static bool IsToolDocument(string apiVersion) =>
        Array.Exists(ToolGroups, g => apiVersion.Length > g.Length && apiVersion[g.Length] == '/' && apiVersion.StartsWith(g, StringComparison.Ordinal));

    private static bool IsJsonFile(string source, ReadOnlySpan<byte> bytes)
    {
        var extension = Path.GetExtension(source);
        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var trimmed = bytes.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && (trimmed[0] == (byte)'{' || trimmed[0] == (byte)'[');
    }

    private static void AddObject(Node value, SourceLocation location, ManifestSet set)
    {
        switch (value)
        {
            case ScalarNode { Kind: NodeKind.Null }:
                return;
            case ListNode list:
                foreach (var item in list.Items)
                {
                    AddObject(item, location.AtLine(item.Line), set);
                }

                return;
            case MapNode map:
                AddMap(map, location, set);
                return;
            default:
                set.Errors.Add(new ManifestError(location.Source, value.Line, "document is a scalar, not a Kubernetes object"));
                return;
        }
    }

    private static void AddMap(MapNode map, SourceLocation location, ManifestSet set)
    {
        var apiVersion = map.GetString("apiVersion");
        var kind = map.GetString("kind");
        if (kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && map["items"] is { } items)
        {
            if (items is ListNode list)
            {
                foreach (var item in list.Items)
                {
                    AddObject(item, location.AtLine(item.Line), set);
                }
            }
            else if (!items.IsEmpty)
            {
                set.Errors.Add(new ManifestError(location.Source, items.Line, "'items' of a List must be a list"));
            }

            return;
        }

        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            set.Errors.Add(new ManifestError(location.Source, location.Line, "not a Kubernetes object: 'apiVersion' and 'kind' are required"));
            return;
        }

        if (IsToolDocument(apiVersion))
        {
            return;
        }

        var metadata = map["metadata"] as MapNode;
        if (metadata?.GetString("name") is not { Length: > 0 })
        {
            var reason = metadata?.GetString("generateName") is { Length: > 0 }
                ? "objects named by 'generateName' cannot be tracked; give it a 'metadata.name'"
                : "'metadata.name' is required";
            set.Errors.Add(new ManifestError(location.Source, (metadata ?? (Node)map).Line, $"{kind}: {reason}"));
            return;
        }

        set.Manifests.Add(new Manifest(map, location));
    }
}

/// <summary>
/// Where file bytes and decoded text are read into: small ones from <see cref="ArrayPool{T}.Shared"/>,
/// megabytes from <see cref="SourceBuffers{T}"/> (a few, held weakly), anything larger made afresh.
/// Every buffer is cleared where it was used when it goes back (a source may hold Secret values).
/// </summary>
internal static class FileBuffers
{
    /// <summary>Up to this size the shared pool does well: it keeps little, and small arrays are cheap to keep.</summary>
    private const int SharedPoolBytes = 64 << 10;

    public static T[] Rent<T>(int length)
        where T : unmanaged =>
        (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() <= SharedPoolBytes
            ? ArrayPool<T>.Shared.Rent(Math.Max(1, length))
            : SourceBuffers<T>.Shared.Rent(length);

    public static void Return<T>(T[] buffer, int used)
        where T : unmanaged
    {
        if ((long)buffer.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() <= SharedPoolBytes)
        {
            Array.Clear(buffer, 0, Math.Min(used, buffer.Length));
            ArrayPool<T>.Shared.Return(buffer);
        }
        else
        {
            SourceBuffers<T>.Shared.Return(buffer, used);
        }
    }
}
