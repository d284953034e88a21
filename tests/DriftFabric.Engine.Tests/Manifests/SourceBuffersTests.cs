using System.Runtime.CompilerServices;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Engine.Tests.Manifests;

public sealed class SourceBuffersTests
{
    [Fact]
    public void A_buffer_given_back_is_lent_again_to_a_read_it_fits()
    {
        var buffers = new SourceBuffers<byte>();
        var first = buffers.Rent(3 << 20);
        buffers.Return(first, 3 << 20);

        Assert.Same(first, buffers.Rent((3 << 20) - 1000));
    }

    [Fact]
    public void Buffers_given_back_are_held_only_until_a_full_collection()
    {
        var buffers = new SourceBuffers<char>();
        RentAndReturn(buffers, 2 << 20);
        Assert.Equal(1, buffers.KeptCount);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(0, buffers.KeptCount);
    }

    [Fact]
    public void A_buffer_over_the_bound_is_never_kept_and_at_most_two_are()
    {
        var buffers = new SourceBuffers<byte>();
        var huge = buffers.Rent(SourceBuffers<byte>.MaxPooledBytes + 1);
        buffers.Return(huge, huge.Length);
        Assert.Equal(0, buffers.KeptCount);

        var kept = Enumerable.Range(1, 3).Select(i => buffers.Rent(i << 20)).ToList();
        kept.ForEach(b => buffers.Return(b, b.Length));

        Assert.Equal(SourceBuffers<byte>.Slots, buffers.KeptCount);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void A_buffer_is_cleared_where_it_was_used_before_it_is_lent_again()
    {
        var buffers = new SourceBuffers<byte>();
        var secret = buffers.Rent(1 << 20);
        secret.AsSpan(0, 100).Fill((byte)'s');
        buffers.Return(secret, 100);

        Assert.DoesNotContain((byte)'s', buffers.Rent(1 << 20).AsSpan(0, 100).ToArray());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RentAndReturn<T>(SourceBuffers<T> buffers, int length)
        where T : unmanaged => buffers.Return(buffers.Rent(length), length);
}
