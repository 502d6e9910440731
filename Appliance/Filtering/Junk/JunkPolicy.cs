using System.Globalization;
using System.Text;
using Appliance.Filtering.Bayes;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Junk;

/// <summary>One local recipient of a message, as the junk policy sees it.</summary>
public sealed record JunkRecipient(long UserId, string Address);

/// <summary>
/// What becomes of one recipient's copy: where it goes, the verdict that decided (the door's, plus the recipient's own
/// symbols), and the header fields to store above it, which differ from the door's when <see cref="OwnHeaders"/>.
/// </summary>
public sealed record JunkDecision(Disposition Disposition, Verdict Verdict, string Headers, bool OwnHeaders, string Reason);

/// <summary>
/// Issue 12's "actions by score, per domain with per-user overrides", applied at delivery for each local recipient:
/// a sender on the user's allow list goes to the inbox (<see cref="Allow"/>), one on the block list to Junk
/// (<see cref="Block"/>), else the score meets the user's threshold and action, else the domain's, else the server's.
/// What the door decided for the whole message — a virus or a rule's hold, a DMARC quarantine — is a floor no list
/// lowers (<see cref="Inspection.Floor"/>): an allow list names a sender, and a forged sender is exactly what
/// DMARC caught. For a message to several users the door ran no classifier; each recipient's own runs here.
/// </summary>
public sealed class JunkPolicy(JunkSettingsStore store, BayesClassifier bayes, IOptions<FilteringOptions> options)
{
    /// <summary>The sender is on the recipient's allow list. SpamAssassin's USER_IN_WELCOMELIST points, in name only: the list decides, not the sum.</summary>
    public const string Allow = "USER_ALLOW";

    /// <summary>The sender is on the recipient's block list.</summary>
    public const string Block = "USER_BLOCK";

    public const string Source = "list";

    /// <param name="sender">The envelope sender (MAIL FROM).</param>
    /// <param name="fromField">The message's From field as it arrived, or null; its addresses are matched as the sender's too.</param>
    /// <param name="classify">The door did not run a classifier (several recipients): each recipient's runs here.</param>
    /// <param name="open">Opens the message, for the classifier.</param>
    /// <returns>The decision per user; empty when the door's decision stands for all (mail the door did not score).</returns>
    public async Task<IReadOnlyDictionary<long, JunkDecision>> DecideAsync(IReadOnlyCollection<JunkRecipient> recipients, string sender, string? fromField,
        Inspection inspection, bool classify, Func<Stream> open, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(inspection);
        ArgumentNullException.ThrowIfNull(open);
        var decisions = new Dictionary<long, JunkDecision>();
        if (inspection.Floor is not { } floor || recipients.Count == 0)
        {
            return decisions;
        }
        var senders = Senders(sender, fromField);
        foreach (var recipient in recipients)
        {
            var domain = recipient.Address[(recipient.Address.LastIndexOf('@') + 1)..];
            var user = await store.GetUserAsync(recipient.UserId, cancellationToken).ConfigureAwait(false);
            var thresholds = JunkThresholds.Of(options.Value, await store.GetDomainAsync(domain, cancellationToken).ConfigureAwait(false), user);
            var verdict = Copy(inspection.Verdict);
            if (classify)
            {
                using var message = open();
                await bayes.ClassifyAsync(recipient.UserId, message, verdict, cancellationToken).ConfigureAwait(false);
            }
            decisions[recipient.UserId] = Decide(inspection, floor, thresholds, user, senders, verdict, options.Value.JunkScore);
        }
        return decisions;
    }

    /// <summary>
    /// One recipient's decision, from the door's <paramref name="inspection"/>, the recipient's thresholds and lists and
    /// <paramref name="verdict"/> (the door's symbols and the recipient's own, to which the list's symbol is added).
    /// </summary>
    /// <param name="serverJunkScore">The threshold the door's X-Spam-Status names: a copy judged alike keeps the door's fields.</param>
    public static JunkDecision Decide(Inspection inspection, Disposition floor, JunkThresholds thresholds, UserJunkSettings user,
        IReadOnlyList<string> senders, Verdict verdict, double serverJunkScore)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(verdict);
        var allowed = Best(user.Allowed, senders);
        var blocked = Best(user.Blocked, senders);
        Disposition wanted;
        bool isSpam;
        string reason;
        // The more specific entry wins (anna@example.com over @example.com); on a tie, the block.
        if (blocked is not null && (allowed is null || Specificity(blocked) >= Specificity(allowed)))
        {
            verdict.Add(Block, 100, $"You block mail from {blocked.Entry}", Source);
            (wanted, isSpam, reason) = (Disposition.Junk, true, $"{Block} {blocked.Entry}");
        }
        else if (allowed is not null)
        {
            verdict.Add(Allow, -100, $"You always allow mail from {allowed.Entry}", Source);
            (wanted, isSpam, reason) = (Disposition.Deliver, false, $"{Allow} {allowed.Entry}");
        }
        else
        {
            var score = verdict.Score;
            isSpam = score >= thresholds.JunkScore || thresholds.Refuses(score);
            wanted = !isSpam ? Disposition.Deliver : thresholds.Action switch
            {
                SpamAction.Quarantine => Disposition.Quarantine,
                SpamAction.Tag => Disposition.Deliver,
                _ => Disposition.Junk,
            };
            reason = isSpam ? string.Create(CultureInfo.InvariantCulture, $"spam score {score:0.0#}") : "";
        }
        var disposition = (Disposition)Math.Max((int)wanted, (int)floor);
        if (disposition != wanted && inspection.Reason.Length > 0) reason = inspection.Reason;
        var required = thresholds.JunkScore;
        var same = verdict.Symbols.Count == inspection.Verdict.Symbols.Count && required == serverJunkScore && isSpam == (inspection.Verdict.Score >= serverJunkScore);
        var headers = same ? inspection.Headers : WithSpamFields(inspection.Headers, MessageInspector.SpamFields(verdict, required, isSpam, flag: true));
        return new JunkDecision(disposition, verdict, headers, !same, reason);
    }

    /// <summary>The addresses a list entry may name: the envelope sender and the From field's, lower-cased, without duplicates.</summary>
    public static IReadOnlyList<string> Senders(string sender, string? fromField)
    {
        var result = new List<string>();
        if (!string.IsNullOrEmpty(sender)) result.Add(sender.ToLowerInvariant());
        if (fromField is not null && MimeKit.InternetAddressList.TryParse(fromField, out var list))
        {
            result.AddRange(list.Mailboxes.Select(m => m.Address.ToLowerInvariant()));
        }
        return [.. result.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The door's fields with its X-Spam-* fields (and their folded lines) replaced by <paramref name="spamFields"/>.</summary>
    internal static string WithSpamFields(string headers, string spamFields)
    {
        var kept = new StringBuilder(headers.Length + spamFields.Length);
        var skipping = false;
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.Length == 0) continue;
            if (line[0] is ' ' or '\t')
            {
                if (!skipping) kept.Append(line).Append("\r\n");
                continue;
            }
            skipping = line.StartsWith("X-Spam-", StringComparison.OrdinalIgnoreCase);
            if (!skipping) kept.Append(line).Append("\r\n");
        }
        return kept.Append(spamFields).ToString();
    }

    private static SenderEntry? Best(IEnumerable<SenderEntry> entries, IReadOnlyList<string> senders) =>
        entries.Where(e => senders.Any(e.Matches)).MaxBy(Specificity);

    private static int Specificity(SenderEntry entry) => entry.IsDomainEntry ? entry.Entry.Length : int.MaxValue;

    private static Verdict Copy(Verdict verdict)
    {
        var copy = new Verdict();
        foreach (var symbol in verdict.Symbols) copy.Add(symbol.Name, symbol.Points, symbol.Reason, symbol.Source);
        return copy;
    }
}
