namespace DriftFabric.Engine.Parsing;

/// <summary>A document that cannot be read, with the 1-based line where reading stopped.</summary>
public sealed class ParseException : Exception
{
    public ParseException(string message, int line)
        : base(message)
    {
        Line = line;
    }

    public ParseException()
    {
    }

    public ParseException(string message)
        : base(message)
    {
    }

    public ParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Line { get; }
}
