using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Web.Mail;

/// <summary>One check's part in a verdict, as the message's X-Spam-Status field names it.</summary>
public sealed record SpamReason(string Symbol, double Points);

/// <summary>
/// What the server's checks said of a message, read back from the X-Spam-Status field the delivery wrote: whether it
/// is spam, its score against the threshold, and each symbol with its points — what "Why is this in Junk?" shows.
/// </summary>
public sealed partial record SpamExplanation(bool IsSpam, double Score, double Required, IReadOnlyList<SpamReason> Reasons)
{
    /// <summary>
    /// The first X-Spam-Status field of the header block: ours, since delivery writes it above what the message
    /// brought. Null when there is none or it is not in our form.
    /// </summary>
    public static SpamExplanation? Parse(string rawHeaders)
    {
        ArgumentNullException.ThrowIfNull(rawHeaders);
        var field = FieldPattern().Match(rawHeaders);
        if (!field.Success)
        {
            return null;
        }
        var value = Unfold().Replace(field.Groups[1].Value, " ");
        var status = StatusPattern().Match(value);
        if (!status.Success)
        {
            return null;
        }
        var reasons = new List<SpamReason>();
        foreach (Match test in TestPattern().Matches(value))
        {
            if (double.TryParse(test.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var points))
            {
                reasons.Add(new SpamReason(test.Groups[1].Value, points));
            }
        }
        return new SpamExplanation(status.Groups[1].Value == "Yes", Number(status.Groups[2].Value), Number(status.Groups[3].Value),
            [.. reasons.OrderByDescending(r => Math.Abs(r.Points))]);
    }

    /// <summary>The user's own allow or block list decided (USER_ALLOW, USER_BLOCK): "why not in Junk?" is worth showing too.</summary>
    public bool ByList => Reasons.Any(r => r.Symbol is "USER_ALLOW" or "USER_BLOCK");

    /// <summary>The resource key of the one-line reason for a symbol, by the check that made it.</summary>
    public static string ReasonKey(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (symbol == "USER_ALLOW") return "Mail.Why.Source.UserAllow";
        if (symbol == "USER_BLOCK") return "Mail.Why.Source.UserBlock";
        var prefix = symbol.Split('_')[0];
        return prefix switch
        {
            "SA" or "SPAMASSASSIN" => "Mail.Why.Source.SpamAssassin",
            "RS" or "RSPAMD" => "Mail.Why.Source.Rspamd",
            "BAYES" => "Mail.Why.Source.Bayes",
            "SPF" => "Mail.Why.Source.Spf",
            "DKIM" => "Mail.Why.Source.Dkim",
            "DMARC" => "Mail.Why.Source.Dmarc",
            "DNSBL" or "DNSWL" or "RDNS" or "HELO" => "Mail.Why.Source.Client",
            "RULE" => "Mail.Why.Source.Rule",
            "ALLOW" or "LIST" => "Mail.Why.Source.List",
            _ => "Mail.Why.Source.Other",
        };
    }

    /// <summary>
    /// The checks' breakdown the message log keeps in an entry's detail (<c>score=6.1 [SPF_PASS=-0.1,SA_GTUBE=6.2]</c>),
    /// for accepted and refused messages alike; null when the entry has none.
    /// </summary>
    public static (double Score, IReadOnlyList<SpamReason> Reasons)? FromLogDetail(string detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var match = LogPattern().Match(detail);
        if (!match.Success)
        {
            return null;
        }
        var reasons = TestPattern().Matches(match.Groups[2].Value)
            .Select(t => double.TryParse(t.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? new SpamReason(t.Groups[1].Value, p) : null)
            .OfType<SpamReason>().OrderByDescending(r => Math.Abs(r.Points)).ToList();
        return reasons.Count == 0 ? null : (Number(match.Groups[1].Value), reasons);
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^X-Spam-Status:(.*(?:\r?\n[ \t].*)*)", RegexOptions.Multiline | RegexOptions.IgnoreCase, 1000)]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"\r?\n[ \t]+", RegexOptions.None, 1000)]
    private static partial Regex Unfold();

    [GeneratedRegex(@"^\s*(Yes|No),\s*score=(-?[0-9.]+)\s+required=(-?[0-9.]+)", RegexOptions.None, 1000)]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"score=(-?[0-9.]+) \[([^\]]*)\]", RegexOptions.None, 1000)]
    private static partial Regex LogPattern();

    [GeneratedRegex(@"([A-Z0-9_]+)=(-?[0-9.]+)", RegexOptions.None, 1000)]
    private static partial Regex TestPattern();
}
