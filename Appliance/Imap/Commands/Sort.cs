using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;
using SortKey = Appliance.Imap.Parsing.SortKey;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 5256 SORT and UID SORT with every sort key, and SORT=DISPLAY's DISPLAYFROM and DISPLAYTO (RFC 5957). The
/// search is SEARCH's; the keys come from the summaries the webmail lists from (<see cref="MessageSummaries"/>), so
/// sorting a large mailbox reads rows, not message bodies. Strings compare by i;ascii-casemap; ties go by
/// sequence number (RFC 5256 §3).
/// </summary>
public sealed class SortCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SORT"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = SortArguments.Parse(request.Args, request.Uid);
        SearchCommand.CheckCharset(arguments.Charset);
        var selected = session.Selected!;
        if (Stored(arguments.Criteria) is { } stored)
        {
            await RunStoredAsync(session, request, arguments, stored).ConfigureAwait(false);
            return;
        }
        var (found, usesModseq) = await SearchCommand.MatchAsync(session, selected, arguments.Key).ConfigureAwait(false);
        var listed = await session.Services.Summaries.ByUidsAsync(selected.Id, [.. found.Select(f => f.Uid)], session.Cancellation).ConfigureAwait(false);
        var entries = listed.Select(m => (Message: m, Sequence: selected.SequenceOf(m.Uid), Keys: arguments.Criteria.Select(c => KeyOf(m, c.Key)).ToArray())).ToList();
        entries.Sort((a, b) =>
        {
            for (var i = 0; i < arguments.Criteria.Count; i++)
            {
                var order = a.Keys[i].CompareTo(b.Keys[i]);
                if (order != 0)
                {
                    return arguments.Criteria[i].Reverse ? -order : order;
                }
            }
            return a.Sequence.CompareTo(b.Sequence);
        });
        var numbers = entries.Select(e => request.Uid ? e.Message.Uid : e.Sequence).ToList();
        long? modseq = usesModseq && found.Count > 0 ? found.Max(f => f.Modseq) : null;
        session.WriteLine(arguments.Return is { } returns ? Esearch(request, returns, numbers, modseq) : Sorted(numbers, modseq));
        await session.OkAsync(request, request.Uid ? "UID SORT completed" : "SORT completed").ConfigureAwait(false);
    }

    /// <summary>
    /// The keys the summaries store (<see cref="MessageSummaries.SortedUidsAsync"/>): SQLite orders the folder's UIDs,
    /// and the search, when it is not ALL, only picks which of them are answered. Null when a key is not stored.
    /// </summary>
    private static List<(StoredSortKey Key, bool Reverse)>? Stored(IReadOnlyList<SortCriterion> criteria)
    {
        var stored = new List<(StoredSortKey, bool)>(criteria.Count);
        foreach (var criterion in criteria)
        {
            StoredSortKey? key = criterion.Key switch
            {
                SortKey.Arrival => StoredSortKey.Arrival,
                SortKey.Date => StoredSortKey.Date,
                SortKey.Size => StoredSortKey.Size,
                SortKey.Subject => StoredSortKey.Subject,
                SortKey.From => StoredSortKey.From,
                _ => null,
            };
            if (key is null)
            {
                return null;
            }
            stored.Add((key.Value, criterion.Reverse));
        }
        return stored;
    }

    private static async Task RunStoredAsync(ImapSession session, ImapRequest request, SortArguments arguments, List<(StoredSortKey Key, bool Reverse)> criteria)
    {
        var selected = session.Selected!;
        HashSet<long>? matching = null;
        long? modseq = null;
        // SORT ... ALL (what Roundcube sends) needs no search: the session's view decides which UIDs it answers.
        if (arguments.Key is not SearchStateKey { State: SearchState.All })
        {
            var (found, usesModseq) = await SearchCommand.MatchAsync(session, selected, arguments.Key).ConfigureAwait(false);
            matching = [.. found.Select(f => f.Uid)];
            modseq = usesModseq && found.Count > 0 ? found.Max(f => f.Modseq) : null;
        }
        var view = (selected.Count, selected.Count == 0 ? 0 : selected.Uids[selected.Count - 1]);
        var ordered = await session.Services.Summaries.SortedUidsAsync(selected.Id, criteria, view, session.Cancellation).ConfigureAwait(false);
        var numbers = new List<long>(ordered.Count);
        foreach (var uid in ordered)
        {
            // Messages another session added or expunged that this one has not been told of are not in its view.
            var sequence = selected.SequenceOf(uid);
            if (sequence > 0 && (matching is null || matching.Contains(uid)))
            {
                numbers.Add(request.Uid ? uid : sequence);
            }
        }
        session.WriteLine(arguments.Return is { } returns ? Esearch(request, returns, numbers, modseq) : Sorted(numbers, modseq));
        await session.OkAsync(request, request.Uid ? "UID SORT completed" : "SORT completed").ConfigureAwait(false);
    }

    private static string Sorted(List<long> numbers, long? modseq)
    {
        var line = new StringBuilder("* SORT");
        foreach (var number in numbers)
        {
            line.Append(CultureInfo.InvariantCulture, $" {number}");
        }
        if (modseq is { } m)
        {
            // RFC 7162 §3.1.5: a SORT with MODSEQ reports the highest mod-sequence of what it returns.
            line.Append(CultureInfo.InvariantCulture, $" (MODSEQ {m})");
        }
        return line.ToString();
    }

    /// <summary>
    /// ESORT's answer (RFC 5267 §3.1): MIN and MAX are the first and last in sort order, ALL is every number in sort
    /// order (a range only where the order runs up one by one), COUNT how many.
    /// </summary>
    private static string Esearch(ImapRequest request, IReadOnlyList<string> returns, List<long> numbers, long? modseq)
    {
        var line = new StringBuilder("* ESEARCH (TAG ").Append(ImapString.Quote(request.Tag)).Append(')');
        if (request.Uid) line.Append(" UID");
        if (numbers.Count > 0)
        {
            if (returns.Contains("MIN")) line.Append(CultureInfo.InvariantCulture, $" MIN {numbers[0]}");
            if (returns.Contains("MAX")) line.Append(CultureInfo.InvariantCulture, $" MAX {numbers[^1]}");
            if (returns.Contains("ALL")) line.Append(" ALL ").Append(InOrder(numbers));
        }
        if (returns.Contains("COUNT")) line.Append(CultureInfo.InvariantCulture, $" COUNT {numbers.Count}");
        if (modseq is { } m && numbers.Count > 0) line.Append(CultureInfo.InvariantCulture, $" MODSEQ {m}");
        return line.ToString();
    }

    /// <summary>A sequence-set that keeps the sort order: runs that go up by one become "a:b".</summary>
    private static string InOrder(List<long> numbers)
    {
        var parts = new List<string>();
        for (var i = 0; i < numbers.Count;)
        {
            var j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? numbers[i].ToString(CultureInfo.InvariantCulture) : FormattableString.Invariant($"{numbers[i]}:{numbers[j]}"));
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    /// <summary>What one sort key compares for a message (RFC 5256 §3, RFC 5957 §3).</summary>
    private static SortValue KeyOf(ListedMessage message, SortKey key)
    {
        var summary = message.Summary;
        return key switch
        {
            SortKey.Arrival => message.InternalDate.UtcTicks,
            SortKey.Date => SentDate(message).UtcTicks,
            SortKey.Size => message.Size,
            SortKey.Subject => MessageSummaries.Rfc5256SubjectKey(summary.Subject),
            // addr-mailbox of the first address; a From the parser could not read has none.
            SortKey.From => MessageSummaries.Rfc5256FromKey(summary.FromAddress),
            SortKey.To => AsciiCasemap(SummaryAddresses.LocalPart(SummaryAddresses.First(summary.To).AddrSpec)),
            SortKey.Cc => AsciiCasemap(SummaryAddresses.LocalPart(SummaryAddresses.First(summary.Cc).AddrSpec)),
            // RFC 5957 §3: the display name, or the addr-spec when it has none.
            SortKey.DisplayFrom => AsciiCasemap(summary.FromAddress.Length == 0 && summary.FromName.Length == 0 ? "" : Display(summary.FromName, summary.FromAddress)),
            SortKey.DisplayTo => AsciiCasemap(Display(SummaryAddresses.First(summary.To))),
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };
    }

    /// <summary>A number (a date as ticks, a size) or a string already case-mapped, which compares by its characters.</summary>
    private readonly record struct SortValue(long Number, string Text) : IComparable<SortValue>
    {
        public int CompareTo(SortValue other)
        {
            var order = Number.CompareTo(other.Number);
            return order != 0 ? order : string.CompareOrdinal(Text, other.Text);
        }

        public static implicit operator SortValue(long number) => new(number, "");
        public static implicit operator SortValue(string text) => new(0, text);
    }

    /// <summary>The Date field, or the arrival date when it is missing or unreadable (RFC 5256 §2.2), as an instant.</summary>
    internal static DateTimeOffset SentDate(ListedMessage message) => (message.Summary.SentAt ?? message.InternalDate).ToUniversalTime();

    private static string Display((string DisplayName, string AddrSpec) address) => Display(address.DisplayName, address.AddrSpec);

    private static string Display(string displayName, string addrSpec) => string.IsNullOrWhiteSpace(displayName) ? addrSpec : displayName.Trim();

    private static string AsciiCasemap(string text) => MessageSummaries.AsciiCasemap(text);
}
