namespace Appliance.Filtering.Sieve;

/// <summary>A script that does not compile: the message names the line, as a user reads it ("line 3: unknown command 'filein'").</summary>
public sealed class SieveSyntaxException(int line, int column, string detail)
    : Exception($"line {line}: {detail}")
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    public string Detail { get; } = detail;
}

/// <summary>A script that compiled but failed while running (a limit, a conflict of actions); the message is then kept.</summary>
public sealed class SieveRuntimeException(int line, string detail) : Exception(line > 0 ? $"line {line}: {detail}" : detail)
{
    public int Line { get; } = line;
}
