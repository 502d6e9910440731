using System.Globalization;

namespace Appliance.Filtering;

/// <summary>
/// One named result of one check, as the message's verdict lists it: <c>SPF_PASS</c>, <c>DNSBL_ZEN</c>,
/// <c>BAYES_99</c>, <c>SA_GTUBE</c>. <see cref="Points"/> adds to the score (negative for good signs);
/// <see cref="Reason"/> is one line a user can read ("The sender's domain allows this server to send for it").
/// </summary>
/// <param name="Source">The check that added it: <c>spf</c>, <c>dkim</c>, <c>dmarc</c>, <c>arc</c>, <c>dnsbl</c>, <c>bayes</c>, <c>spamd</c>, <c>rule</c>, <c>list</c>, …</param>
public sealed record FilterSymbol(string Name, double Points, string Reason, string Source)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}={Points:0.##}");
}

/// <summary>
/// Everything the checks said of one message: the symbols with their points, and the score they add up to.
/// Every check adds to it, so that what the webmail's "Why is this in Junk?" and the admin message log show
/// is exactly what decided. Not thread-safe: one message is judged by one session.
/// </summary>
public sealed class Verdict
{
    private readonly List<FilterSymbol> _symbols = [];

    public IReadOnlyList<FilterSymbol> Symbols => _symbols;

    public double Score => _symbols.Sum(s => s.Points);

    public FilterSymbol Add(string name, double points, string reason, string source)
    {
        var symbol = new FilterSymbol(name, points, reason, source);
        _symbols.Add(symbol);
        return symbol;
    }

    public bool Has(string name) => _symbols.Exists(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The compact form logs and <c>X-Spam-Status</c> carry: <c>SPF_PASS=-0.1,BAYES_99=3.5</c>.</summary>
    public override string ToString() => string.Join(',', _symbols);
}
