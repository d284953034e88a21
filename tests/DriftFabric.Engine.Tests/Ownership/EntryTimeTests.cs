using System.Globalization;
using System.Text;
using System.Text.Json;
using DriftFabric.Engine.Ownership;

namespace DriftFabric.Engine.Tests.Ownership;

/// <summary>
/// A managedFields entry's time (a drift's "since when") is read without a JSON reader when it
/// is written as Kubernetes writes it; it must be the time the general reading gives, and
/// anything else must go the general way.
/// </summary>
public class EntryTimeTests
{
    [Theory]
    [InlineData("2026-09-01T10:00:00Z")]
    [InlineData("2024-02-29T23:59:59Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("2025-02-29T10:00:00Z")]
    [InlineData("2026-13-01T10:00:00Z")]
    [InlineData("2026-00-01T10:00:00Z")]
    [InlineData("2026-04-31T10:00:00Z")]
    [InlineData("2026-09-01T24:00:00Z")]
    [InlineData("2026-09-01T10:60:00Z")]
    [InlineData("2026-09-01T10:00:60Z")]
    [InlineData("0000-09-01T10:00:00Z")]
    [InlineData("2026-09-0xT10:00:00Z")]
    [InlineData("2026-09-01 10:00:00Z")]
    [InlineData("2026-09-01T10:00:00.5Z")]
    [InlineData("2026-09-01T10:00:00+02:00")]
    [InlineData("2026-09-01T10:00:00")]
    [InlineData("yesterday")]
    public void An_entry_time_reads_as_the_general_reading_has_it(string text)
    {
        var raw = Encoding.UTF8.GetBytes($"\"{text}\"");
        Assert.Equal(General(raw), FieldOwnership.TimeOf(raw));
    }

    [Fact]
    public void An_escaped_or_non_string_time_is_read_the_general_way()
    {
        Assert.Equal(new DateTimeOffset(2026, 9, 1, 10, 0, 0, TimeSpan.Zero), FieldOwnership.TimeOf("\"2026-09-01T10:00:0\\u0030Z\""u8));
        Assert.Null(FieldOwnership.TimeOf("1700000000"u8));
        Assert.Null(FieldOwnership.TimeOf(ReadOnlySpan<byte>.Empty));
    }

    /// <summary>What the time reads as through a JSON reader: RFC 3339 with a Z, else any time text, read as UTC.</summary>
    private static DateTimeOffset? General(byte[] raw)
    {
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        if (raw.AsSpan().EndsWith("Z\""u8) && reader.TryGetDateTimeOffset(out var time))
        {
            return time;
        }

        return DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time) ? time : null;
    }
}
