namespace DriftFabric.Engine.Manifests;

/// <summary>
/// Buffers that source files are read into, kept for the next read of the same sources. A fleet
/// re-reads its files again and again, and megabyte buffers made afresh each time are large-object
/// garbage that only a full collection frees. Unlike <see cref="System.Buffers.ArrayPool{T}.Shared"/>
/// (which keeps an array per size per thread and per core, and lets go of them only on a full
/// collection under memory pressure), this keeps at most <see cref="Slots"/> arrays of at most
/// <see cref="MaxPooledBytes"/>, and holds them weakly: the collector may take them back whenever
/// it runs a full collection, so one burst of large inputs leaves nothing pinned behind it.
/// Anything larger is a fresh array, garbage as soon as the read is over.
/// </summary>
internal sealed class SourceBuffers<T>
    where T : unmanaged
{
    /// <summary>Two clusters load at once (one per core): a buffer each.</summary>
    public const int Slots = 2;

    /// <summary>The largest buffer kept, in bytes; a bigger file is rare enough to read into a fresh array.</summary>
    public const int MaxPooledBytes = 32 << 20;

    /// <summary>The smallest buffer kept: below this <see cref="System.Buffers.ArrayPool{T}.Shared"/> does better.</summary>
    private const int MinPooledBytes = 64 << 10;

    private readonly WeakReference<T[]>?[] _kept = new WeakReference<T[]>?[Slots];

    public static SourceBuffers<T> Shared { get; } = new();

    private static int Size => System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>An array of at least <paramref name="length"/> elements: a kept one that fits, else a new one.</summary>
    public T[] Rent(int length)
    {
        if ((long)length * Size > MaxPooledBytes)
        {
            return GC.AllocateUninitializedArray<T>(length);
        }

        lock (_kept)
        {
            var best = -1;
            T[]? fit = null;
            for (var i = 0; i < _kept.Length; i++)
            {
                if (_kept[i] is { } weak && weak.TryGetTarget(out var array) && array.Length >= length && (fit is null || array.Length < fit.Length))
                {
                    (best, fit) = (i, array);
                }
            }

            if (fit is not null)
            {
                _kept[best] = null;
                return fit;
            }
        }

        // Rounded up to a power of two (within the bound), so a file that grows a little still fits.
        var rounded = Math.Max(length, (int)Math.Min(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, MinPooledBytes / Size)), MaxPooledBytes / Size));
        return GC.AllocateUninitializedArray<T>(rounded);
    }

    /// <summary>
    /// Takes back an array from <see cref="Rent"/>, its first <paramref name="used"/> elements
    /// cleared (a source may hold Secret values). It replaces a kept array that is gone or smaller.
    /// </summary>
    public void Return(T[] array, int used)
    {
        Array.Clear(array, 0, Math.Min(used, array.Length));
        if ((long)array.Length * Size > MaxPooledBytes || (long)array.Length * Size < MinPooledBytes)
        {
            return;
        }

        lock (_kept)
        {
            var slot = -1;
            var smallest = int.MaxValue;
            for (var i = 0; i < _kept.Length; i++)
            {
                if (_kept[i] is not { } weak || !weak.TryGetTarget(out var kept))
                {
                    slot = i;
                    break;
                }

                if (kept.Length < smallest && kept.Length < array.Length)
                {
                    (slot, smallest) = (i, kept.Length);
                }
            }

            if (slot >= 0)
            {
                _kept[slot] = new WeakReference<T[]>(array);
            }
        }
    }

    /// <summary>How many kept arrays are still alive (for tests).</summary>
    internal int KeptCount
    {
        get
        {
            lock (_kept)
            {
                return _kept.Count(w => w is not null && w.TryGetTarget(out _));
            }
        }
    }
}
