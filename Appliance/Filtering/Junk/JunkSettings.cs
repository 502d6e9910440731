using System.Globalization;

namespace Appliance.Filtering.Junk;

/// <summary>
/// A domain's spam actions (issue 12, "actions by score, per domain"), JSON in the settings table under
/// <see cref="JunkSettingsStore.DomainKey"/>. A null field means "as <c>Appliance:Filtering</c> says".
/// </summary>
/// <param name="JunkScore">The score from which its users' mail is spam.</param>
/// <param name="Action">What becomes of spam: <see cref="SpamAction.Junk"/> or <see cref="SpamAction.Quarantine"/>.</param>
/// <param name="RejectScore">The score from which the door refuses mail for the domain before the 250; 0 is off.</param>
public sealed record DomainJunkSettings(double? JunkScore = null, SpamAction? Action = null, double? RejectScore = null);

/// <summary>Whether a sender entry lets mail in or keeps it out.</summary>
public enum SenderListKind
{
    /// <summary>Always to the inbox (USER_ALLOW), whatever the score.</summary>
    Allow,
    /// <summary>Always to Junk (USER_BLOCK), whatever the score.</summary>
    Block,
}

/// <summary>One entry of a user's allow or block list: a mail address, or <c>@domain</c> for all of a domain.</summary>
public sealed record SenderEntry(string Entry, SenderListKind Kind, DateTimeOffset CreatedAt)
{
    /// <summary>The longest entry taken: RFC 5321 §4.5.3.1.3's 256-octet path.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// The canonical form of what a user typed, lower-cased: <c>anna@example.com</c>, or <c>@example.com</c> (a bare
    /// domain gets its <c>@</c>). False for anything else: an entry that could never match is refused, not kept.
    /// </summary>
    public static bool TryNormalize(string? text, out string entry)
    {
        entry = "";
        var value = (text ?? "").Trim().ToLowerInvariant();
        if (value.Length is 0 or > MaxLength || value.Any(c => c <= ' ' || c is '<' or '>' or ',' or ';' or '"' or '(' or ')' or '\\' or (char)127))
        {
            return false;
        }
        var at = value.LastIndexOf('@');
        var local = at < 0 ? "" : value[..at];
        var domain = at < 0 ? value : value[(at + 1)..];
        if (local.Contains('@', StringComparison.Ordinal) || !IsDomain(domain))
        {
            return false;
        }
        entry = local.Length == 0 ? "@" + domain : local + "@" + domain;
        return true;
    }

    /// <summary>Whether this entry names <paramref name="address"/>: the same address, or an address of the domain (or below it).</summary>
    public bool Matches(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (IsDomainEntry)
        {
            var domain = Entry[1..];
            var at = address.LastIndexOf('@');
            var of = at < 0 ? "" : address[(at + 1)..];
            return of.Equals(domain, StringComparison.OrdinalIgnoreCase) || of.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
        }
        return address.Equals(Entry, StringComparison.OrdinalIgnoreCase);
    }

    public bool IsDomainEntry => Entry.StartsWith('@');

    private static bool IsDomain(string domain)
    {
        if (domain.Length is 0 or > 253 || domain.StartsWith('.') || domain.EndsWith('.') || !domain.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')
                || !label.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' || c > 127))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>A user's own junk settings: null fields follow the domain's; the lists are theirs alone.</summary>
public sealed record UserJunkSettings(double? JunkScore, SpamAction? Action, IReadOnlyList<SenderEntry> Senders)
{
    public static UserJunkSettings None { get; } = new(null, null, []);

    public IEnumerable<SenderEntry> Allowed => Senders.Where(s => s.Kind == SenderListKind.Allow);

    public IEnumerable<SenderEntry> Blocked => Senders.Where(s => s.Kind == SenderListKind.Block);
}

/// <summary>The thresholds that apply to one recipient: the server's, then the domain's, then the user's, each overriding.</summary>
public sealed record JunkThresholds(double JunkScore, SpamAction Action, double RejectScore)
{
    public static JunkThresholds Of(FilteringOptions server, DomainJunkSettings? domain, UserJunkSettings? user = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new JunkThresholds(user?.JunkScore ?? domain?.JunkScore ?? server.JunkScore, user?.Action ?? domain?.Action ?? server.SpamAction,
            domain?.RejectScore ?? server.RejectScore);
    }

    /// <summary>Whether the door refuses a message of <paramref name="score"/> for this recipient.</summary>
    public bool Refuses(double score) => RejectScore > 0 && score >= RejectScore || score >= JunkScore && Action == SpamAction.Reject;
}

/// <summary>What a saved setting may be; the pages and the store check the same rules.</summary>
public static class JunkSettingsValidation
{
    /// <summary>A threshold a person would set: SpamAssassin's scores are of this order (GTUBE is 1000).</summary>
    public const double MinScore = -100, MaxScore = 1000;

    /// <summary>The first problem of a domain's settings, in English for the log; null when there is none.</summary>
    public static string? Problem(DomainJunkSettings value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.JunkScore is { } junk && !IsScore(junk)) return Invariant($"the junk threshold must be from {MinScore} to {MaxScore} (was {junk})");
        if (value.Action is { } action && action is not (SpamAction.Junk or SpamAction.Quarantine)) return $"the action must be Junk or Quarantine (was {action})";
        if (value.RejectScore is { } reject && (!IsScore(reject) || reject < 0 || reject != 0 && value.JunkScore is { } j && reject < j))
        {
            return Invariant($"the refusal threshold must be 0 (off) or at least the junk threshold (was {reject})");
        }
        return null;
    }

    public static bool IsScore(double score) => double.IsFinite(score) && score is >= MinScore and <= MaxScore;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
