using System.Globalization;
using System.Resources;

namespace Appliance.Filtering.Dmarc;

/// <summary>
/// The verdict symbols of DMARC, with their points and one-line reasons (Resources/Strings, key
/// <c>Dmarc.Symbol.*</c>). The points follow rspamd's DMARC module in size: a pass is a small good sign, a fail counts
/// by how strongly the domain itself asks for action, and what could not be checked counts nothing.
/// </summary>
public static class DmarcSymbols
{
    public const string Source = "dmarc";

    public const string Pass = "DMARC_PASS";
    public const string FailReject = "DMARC_FAIL_REJECT";
    public const string FailQuarantine = "DMARC_FAIL_QUARANTINE";
    public const string FailNone = "DMARC_FAIL_NONE";
    public const string None = "DMARC_NONE";
    public const string TempError = "DMARC_TEMPERROR";
    public const string PermError = "DMARC_PERMERROR";
    public const string BadFrom = "DMARC_BAD_FROM";

    private static readonly ResourceManager s_strings = new("Appliance.Resources.Strings", typeof(Strings).Assembly);

    /// <summary>The symbol for a result: its name, points and the resource key of its reason.</summary>
    public static (string Name, double Points, string Key) For(DmarcResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.AuthorStatus != DmarcAuthorStatus.Found)
        {
            return (BadFrom, 2.0, "Dmarc.Symbol.BadFrom");
        }
        return result.Status switch
        {
            DmarcStatus.Pass => (Pass, -0.5, "Dmarc.Symbol.Pass"),
            DmarcStatus.Fail => result.RequestedPolicy switch
            {
                DmarcPolicy.Reject => (FailReject, 2.0, "Dmarc.Symbol.FailReject"),
                DmarcPolicy.Quarantine => (FailQuarantine, 1.5, "Dmarc.Symbol.FailQuarantine"),
                _ => (FailNone, 0.1, "Dmarc.Symbol.FailNone"),
            },
            DmarcStatus.TempError => (TempError, 0.0, "Dmarc.Symbol.TempError"),
            DmarcStatus.PermError => (PermError, 0.5, "Dmarc.Symbol.PermError"),
            _ => (None, 0.0, "Dmarc.Symbol.None"),
        };
    }

    /// <summary>
    /// Adds the result's symbol to the message's verdict. The reason is written in <paramref name="culture"/>
    /// (default: the neutral English the message log keeps).
    /// </summary>
    public static FilterSymbol AddTo(Verdict verdict, DmarcResult result, CultureInfo? culture = null)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var (name, points, key) = For(result);
        var format = s_strings.GetString(key, culture ?? CultureInfo.InvariantCulture)
            ?? throw new InvalidOperationException($"The resource {key} is missing.");
        var reason = string.Format(culture ?? CultureInfo.InvariantCulture, format, result.FromDomain ?? "");
        return verdict.Add(name, points, reason, Source);
    }
}
