namespace Appliance.Cli;

/// <summary>A command's words: positional arguments, <c>--name value</c> options and <c>--flag</c> switches.</summary>
internal sealed class Options
{

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    /// <param name="switches">The options that stand alone for this command; every other <c>--x</c> takes the next word as its value.</param>
    public static Options Parse(IEnumerable<string> words, IReadOnlySet<string> switches)
    {
        var options = new Options();
        using var e = words.GetEnumerator();
        while (e.MoveNext())
        {
            var word = e.Current;
            if (word.StartsWith("--", StringComparison.Ordinal) && word.Length > 2)
            {
                var name = word[2..];
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    options._values[name[..eq]] = name[(eq + 1)..];
                }
                else if (switches.Contains(name))
                {
                    options._switches.Add(name);
                }
                else if (e.MoveNext())
                {
                    options._values[name] = e.Current;
                }
                else
                {
                    throw new UsageException($"--{name} needs a value");
                }
            }
            else
            {
                options.Positional.Add(word);
            }
        }
        return options;
    }

    public string? Value(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name) => Value(name) ?? throw new UsageException($"--{name} is required");

    public bool Switch(string name)
    {
        _used.Add(name);
        return _switches.Contains(name);
    }

    /// <summary>Refuses options the command does not know, so a typo never silently does something else.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Concat(_switches).FirstOrDefault(k => !_used.Contains(k));
        if (unknown is not null)
        {
            throw new UsageException($"unknown option --{unknown}");
        }
    }

    public string Positionals(int index, string what) =>
        index < Positional.Count ? Positional[index] : throw new UsageException($"{what} is missing");

    public void ExpectPositionals(int count)
    {
        if (Positional.Count > count)
        {
            throw new UsageException($"unexpected '{Positional[count]}'");
        }
    }
}
