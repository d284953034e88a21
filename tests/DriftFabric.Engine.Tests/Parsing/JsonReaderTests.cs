using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Tests.Parsing;

public class JsonReaderTests
{
    [Fact]
    public void Concatenated_values_are_all_read_with_their_lines()
    {
        var values = JsonReader.ReadValues("{\"a\": 1}\n{\n \"b\": [true, null, \"x\", 2.50]\n}\n"u8);

        Assert.Equal(2, values.Count);
        Assert.Equal(2, values[1].Line);
        Assert.Equal("{\"b\":[true,null,\"x\",2.5]}", values[1].ToJson());
        Assert.Equal(3, ((MapNode)values[1])["b"]!.Line);
    }

    [Fact]
    public void Invalid_json_names_the_line()
    {
        var error = Assert.Throws<ParseException>(() => JsonReader.ReadValues("{\n\"a\": 1,\n\"b\": }\n"u8));
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Big_integers_keep_their_exact_value()
    {
        var value = JsonReader.ReadValues("{\"n\": 9007199254740993}"u8)[0];
        Assert.Equal("{\"n\":9007199254740993}", value.ToJson());
    }
}
