using System.Text;

namespace Appliance.Filtering.Sieve;

/// <summary>A compiled script: its commands, checked, and the extensions it required. Immutable; run it with <see cref="SieveInterpreter"/>.</summary>
public sealed class SieveScript
{
    private SieveScript(List<SieveNode> commands, IReadOnlySet<string> extensions)
    {
        Commands = commands;
        Extensions = extensions;
    }

    public IReadOnlyList<SieveNode> Commands { get; }

    public IReadOnlySet<string> Extensions { get; }

    /// <summary>Compiles a script or throws <see cref="SieveSyntaxException"/> naming the line and column.</summary>
    public static SieveScript Compile(string text, SieveOptions? options = null)
    {
        options ??= new SieveOptions();
        if (Encoding.UTF8.GetByteCount(text) > options.MaxScriptSize)
        {
            throw new SieveSyntaxException(1, 1, $"script larger than {options.MaxScriptSize} bytes");
        }
        var commands = SieveParser.Parse(text, options);
        var extensions = SieveValidator.Validate(commands);
        return new SieveScript(commands, extensions);
    }

    /// <summary>Compiles, giving the error instead of throwing (for CHECKSCRIPT and the editor).</summary>
    public static bool TryCompile(string text, SieveOptions? options, out SieveScript? script, out SieveSyntaxException? error)
    {
        try
        {
            script = Compile(text, options);
            error = null;
            return true;
        }
        catch (SieveSyntaxException e)
        {
            script = null;
            error = e;
            return false;
        }
    }
}
