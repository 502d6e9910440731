using System.Globalization;
using Appliance.Imap.Parsing;

namespace Appliance.Imap;

/// <summary>
/// QRESYNC (RFC 7162 §3.2) in one place: ENABLE QRESYNC turns it on (and CONDSTORE with it); from then on expunges are
/// said as <c>* VANISHED uids</c>, and SELECT/EXAMINE (QRESYNC ...) and UID FETCH (CHANGEDSINCE n VANISHED) report
/// what vanished since a mod-sequence with <c>* VANISHED (EARLIER) uids</c>, from the UIDs the mail store remembers.
/// </summary>
public static class Qresync
{
    public const string Capability = "QRESYNC";

    public static bool IsEnabled(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Enabled.Contains(Capability);
    }

    /// <summary>RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE too. True when it was not on before.</summary>
    public static bool Enable(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.Enabled.Add(Condstore.Capability);
        return session.Enabled.Add(Capability);
    }

    /// <summary><c>expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids</c>, the UIDs as ranges.</summary>
    public static string VanishedLine(IEnumerable<(long First, long Last)> ranges, bool earlier) =>
        (earlier ? "* VANISHED (EARLIER) " : "* VANISHED ") + string.Join(',', ranges.Select(r => r.First == r.Last
            ? r.First.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{r.First}:{r.Last}")));

    /// <summary>
    /// The UIDs of <paramref name="scope"/> that vanished since <paramref name="since"/>, as sorted disjoint ranges.
    /// The remembered expunges are exact. When the record does not reach back that far (the retention pruned it, or the
    /// folder predates it), RFC 7162 §3.2.5.2 lets the server name UIDs not known to be expunged but never miss one: every
    /// UID of the scope below UIDNEXT that is not in <paramref name="present"/> is named too, except those at or below
    /// <paramref name="unchangedUpTo"/>, the UID up to which the client's sequence-match data shows nothing went.
    /// </summary>
    public static async Task<List<(long First, long Last)>> VanishedAsync(ImapSession session, long mailboxId, long since,
        IReadOnlyList<(long First, long Last)> scope, long uidnext, Func<Task<IReadOnlyList<long>>> present, long unchangedUpTo)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(present);
        var expunged = await session.Services.Store.ExpungedSinceAsync(mailboxId, since, session.Cancellation).ConfigureAwait(false);
        var ranges = new List<(long First, long Last)>();
        foreach (var uid in expunged.Uids)
        {
            if (Contains(scope, uid))
            {
                ranges.Add((uid, uid));
            }
        }
        if (!expunged.Complete)
        {
            var existing = await present().ConfigureAwait(false);
            foreach (var (first, last) in scope)
            {
                var from = Math.Max(first, unchangedUpTo + 1);
                var to = Math.Min(last, uidnext - 1);
                if (from <= to)
                {
                    AddGaps(ranges, existing, from, to);
                }
            }
        }
        return Merge(ranges);
    }

    /// <summary>
    /// UID FETCH's VANISHED modifier (RFC 7162 §3.2.6): BAD without UID, without CHANGEDSINCE or without ENABLE QRESYNC;
    /// otherwise <c>* VANISHED (EARLIER)</c> with the UIDs of the set expunged since CHANGEDSINCE, before the FETCHes.
    /// A set ending in "*" reaches to UIDNEXT here: the highest UIDs may be just the ones that went.
    /// </summary>
    public static async Task FetchVanishedAsync(ImapSession session, FetchArguments arguments, bool uid)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!uid)
        {
            throw new ImapSyntaxException("VANISHED is for UID FETCH only");
        }
        if (arguments.Modifiers.ChangedSince is not { } since)
        {
            throw new ImapSyntaxException("VANISHED needs CHANGEDSINCE");
        }
        if (!IsEnabled(session))
        {
            throw new ImapSyntaxException("QRESYNC must be enabled first (ENABLE QRESYNC)");
        }
        var selected = session.Selected!;
        var state = await session.Services.Store.MailboxStateAsync(selected.Id, session.Cancellation).ConfigureAwait(false);
        if (state is null)
        {
            return;
        }
        var largest = Math.Max(state.Uidnext - 1, 1);
        var scope = arguments.Set.IsSaved ? Normalize(new SequenceSet([.. session.SavedSearch.Select(u => (u, u))]), largest) : Normalize(arguments.Set, largest);
        var vanished = await VanishedAsync(session, selected.Id, since, scope, state.Uidnext, async () =>
            [.. (await session.Services.Store.EntriesAsync(selected.Id, null, session.Cancellation).ConfigureAwait(false)).Select(e => e.Uid)], unchangedUpTo: 0).ConfigureAwait(false);
        if (vanished.Count > 0)
        {
            session.WriteLine(VanishedLine(vanished, earlier: true));
        }
    }

    /// <summary>
    /// RFC 7162 §3.2.5.2: the pairs of message number and UID the client knew, compared in order with the mailbox now.
    /// While a UID still has the number the client knew, nothing below it was expunged; the last such UID is returned
    /// (0 when the first pair already differs).
    /// </summary>
    public static long UnchangedUpTo(SelectedMailbox selected, SequenceSet sequences, SequenceSet uids)
    {
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(uids);
        long unchanged = 0;
        using var seq = Expand(sequences).GetEnumerator();
        using var uid = Expand(uids).GetEnumerator();
        while (seq.MoveNext() && uid.MoveNext())
        {
            if (seq.Current > selected.Count || selected.SequenceOf(uid.Current) != seq.Current)
            {
                break;
            }
            unchanged = uid.Current;
        }
        return unchanged;
    }

    /// <summary>A set's ranges in ascending order, low end first, with "*" standing for <paramref name="largest"/>.</summary>
    public static List<(long First, long Last)> Normalize(SequenceSet set, long largest)
    {
        ArgumentNullException.ThrowIfNull(set);
        var ranges = new List<(long First, long Last)>();
        foreach (var (first, last) in set.Ranges)
        {
            var a = first == SequenceSet.Star ? largest : first;
            var b = last == SequenceSet.Star ? largest : last;
            ranges.Add(a <= b ? (a, b) : (b, a));
        }
        return Merge(ranges);
    }

    private static IEnumerable<long> Expand(SequenceSet set)
    {
        foreach (var (first, last) in set.Ranges)
        {
            var (a, b) = first <= last ? (first, last) : (last, first);
            for (var n = a; n <= b; n++)
            {
                yield return n;
            }
        }
    }

    /// <summary>Whether a UID is in sorted disjoint ranges (from <see cref="Normalize"/>): a binary search, as a client's known-uids may hold thousands.</summary>
    public static bool Contains(IReadOnlyList<(long First, long Last)> scope, long uid)
    {
        int lo = 0, hi = scope.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (uid < scope[mid].First) hi = mid - 1;
            else if (uid > scope[mid].Last) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /// <summary>Adds the runs of <paramref name="from"/>..<paramref name="to"/> that hold no UID of the sorted <paramref name="existing"/>.</summary>
    private static void AddGaps(List<(long First, long Last)> ranges, IReadOnlyList<long> existing, long from, long to)
    {
        var index = LowerBound(existing, from);
        var next = from;
        while (next <= to)
        {
            if (index < existing.Count && existing[index] <= to)
            {
                if (existing[index] > next)
                {
                    ranges.Add((next, existing[index] - 1));
                }
                next = existing[index] + 1;
                index++;
            }
            else
            {
                ranges.Add((next, to));
                break;
            }
        }
    }

    private static int LowerBound(IReadOnlyList<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static List<(long First, long Last)> Merge(List<(long First, long Last)> ranges)
    {
        ranges.Sort();
        var merged = new List<(long First, long Last)>(ranges.Count);
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.First <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, range.Last));
            }
            else
            {
                merged.Add(range);
            }
        }
        return merged;
    }
}
