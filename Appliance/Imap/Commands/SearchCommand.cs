using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.4.4 SEARCH and UID SEARCH with every criterion of RFC 3501, CHARSET UTF-8 or US-ASCII,
/// MODSEQ (RFC 7162), and ESEARCH's RETURN (MIN MAX COUNT ALL SAVE) (RFC 4731, RFC 5182).
/// Text criteria match case-insensitively in decoded header values and decoded text parts; TEXT and
/// BODY with three characters or more are answered by the SQLite FTS5 index (<see cref="TextIndex"/>).
/// </summary>
public sealed class SearchCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SEARCH"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    /// <summary>What a criterion looks at.</summary>
    internal sealed class Candidate(ImapSession session, SelectedMailbox mailbox, StoredMessage row, int sequence) : IDisposable
    {
        private MappedBlob? _blob;
        private MimeMessage? _message;
        private (string Headers, string Body)? _text;

        public StoredMessage Row => row;
        public int Sequence => sequence;
        public SelectedMailbox Mailbox => mailbox;
        public string Flags => mailbox.FlagsOf(row.Uid);

        public MimeMessage Message
        {
            get
            {
                if (_message is null)
                {
                    // Mapped while this candidate is judged (see MappedBlob); criteria keep no part of it.
                    _blob = session.Services.Blobs.Map(row.BlobHash);
                    _message = MimeMessage.Parse(_blob?.Memory ?? ReadOnlyMemory<byte>.Empty, session.Services.Structures.ParserOptions);
                }
                return _message;
            }
        }

        /// <summary>Decoded header fields and text parts, exactly as the full-text index holds them.</summary>
        public (string Headers, string Body) Text => _text ??= TextIndex.Extract(Message);

        public void Dispose() => ((IDisposable?)_blob)?.Dispose();
    }

    private delegate bool Criterion(Candidate candidate);

    /// <summary>A TEXT or BODY criterion the full-text index answers; its result is filled in before matching.</summary>
    private sealed class IndexQuery(string? column, string needle)
    {
        public string? Column => column;
        public string Needle => needle;
        public HashSet<string> Found { get; set; } = [];
    }

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = request.Args;
        var selected = session.Selected!;
        var returns = new List<string>();
        var extended = false;
        args.ReadSpace();
        if (args.NextIsWord("RETURN"))
        {
            args.ReadAtom();
            args.ReadSpace();
            args.Expect('(');
            extended = true;
            while (!args.TryRead(')'))
            {
                args.TrySpace();
                var option = args.ReadAtom();
                if (option is not ("MIN" or "MAX" or "COUNT" or "ALL" or "SAVE"))
                {
                    throw new ImapSyntaxException($"Unknown SEARCH return option {option}");
                }
                returns.Add(option);
            }
            args.ReadSpace();
            if (returns.Count == 0)
            {
                returns.Add("ALL");
            }
        }
        if (args.NextIsWord("CHARSET"))
        {
            args.ReadAtom();
            args.ReadSpace();
            var charset = args.ReadAString();
            if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapNoException("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
            }
            args.ReadSpace();
        }
        var usesModseq = false;
        var criteria = new List<Criterion>();
        var queries = new List<IndexQuery>();
        do
        {
            criteria.Add(ReadKey(args, session, selected, ref usesModseq, 0, queries));
        }
        while (args.TrySpace());
        args.ExpectEnd();

        var rows = await session.Services.Store.MessagesByUidAsync(selected.Id, selected.Uids.ToList(), session.Cancellation).ConfigureAwait(false);
        if (queries.Count > 0)
        {
            var index = session.Services.TextIndex;
            // What the background indexer has not reached yet is in the index queue: index that, not the folder.
            await index.EnsureMailboxIndexedAsync(selected.Id, session.Cancellation).ConfigureAwait(false);
            foreach (var query in queries)
            {
                query.Found = await index.MatchAsync(query.Column, query.Needle, selected.Id, session.Cancellation).ConfigureAwait(false);
            }
        }
        var found = new List<StoredMessage>();
        foreach (var row in rows)
        {
            var sequence = selected.SequenceOf(row.Uid);
            using var candidate = new Candidate(session, selected, row, sequence);
            if (criteria.All(c => c(candidate)))
            {
                found.Add(row);
            }
        }
        var numbers = found.Select(r => request.Uid ? r.Uid : selected.SequenceOf(r.Uid)).ToList();
        var modseq = usesModseq && found.Count > 0 ? found.Max(r => r.Modseq) : (long?)null;
        if (returns.Contains("SAVE"))
        {
            session.SavedSearch = [.. found.Select(r => r.Uid)];
        }
        if (!extended)
        {
            var line = new StringBuilder("* SEARCH");
            foreach (var n in numbers) line.Append(' ').Append(n.ToString(CultureInfo.InvariantCulture));
            if (modseq is { } m) line.Append(CultureInfo.InvariantCulture, $" (MODSEQ {m})");
            session.WriteLine(line.ToString());
        }
        else if (returns.Any(r => r != "SAVE"))
        {
            var line = new StringBuilder("* ESEARCH (TAG ").Append(ImapString.Quote(request.Tag)).Append(')');
            if (request.Uid) line.Append(" UID");
            if (numbers.Count > 0)
            {
                if (returns.Contains("MIN")) line.Append(CultureInfo.InvariantCulture, $" MIN {numbers.Min()}");
                if (returns.Contains("MAX")) line.Append(CultureInfo.InvariantCulture, $" MAX {numbers.Max()}");
                if (returns.Contains("ALL")) line.Append(" ALL ").Append(SequenceSet.Format(numbers));
            }
            if (returns.Contains("COUNT")) line.Append(CultureInfo.InvariantCulture, $" COUNT {numbers.Count}");
            if (modseq is { } m && numbers.Count > 0) line.Append(CultureInfo.InvariantCulture, $" MODSEQ {m}");
            session.WriteLine(line.ToString());
        }
        await session.OkAsync(request, request.Uid ? "UID SEARCH completed" : "SEARCH completed").ConfigureAwait(false);
    }

    private static Criterion ReadKey(ImapParser args, ImapSession session, SelectedMailbox selected, ref bool usesModseq, int depth, List<IndexQuery> queries)
    {
        if (depth > 50)
        {
            throw new ImapSyntaxException("Search nested too deeply");
        }
        if (args.TryRead('('))
        {
            var inner = new List<Criterion>();
            do
            {
                inner.Add(ReadKey(args, session, selected, ref usesModseq, depth + 1, queries));
            }
            while (args.TrySpace());
            args.Expect(')');
            return c => inner.All(i => i(c));
        }
        if (args.NextIs('*') || args.NextIs('$') || (!args.AtEnd && char.IsAsciiDigit((char)PeekByte(args))))
        {
            var set = args.ReadSequenceSet();
            var uids = selected.Resolve(set, byUid: false, session.SavedSearch).ToHashSet();
            return c => uids.Contains(c.Row.Uid);
        }
        var key = args.ReadAtom();
        switch (key)
        {
            case "ALL": return _ => true;
            case "ANSWERED": return Has(MessageFlags.Answered);
            case "DELETED": return Has(MessageFlags.Deleted);
            case "DRAFT": return Has(MessageFlags.Draft);
            case "FLAGGED": return Has(MessageFlags.Flagged);
            case "SEEN": return Has(MessageFlags.Seen);
            case "UNANSWERED": return Not(Has(MessageFlags.Answered));
            case "UNDELETED": return Not(Has(MessageFlags.Deleted));
            case "UNDRAFT": return Not(Has(MessageFlags.Draft));
            case "UNFLAGGED": return Not(Has(MessageFlags.Flagged));
            case "UNSEEN": return Not(Has(MessageFlags.Seen));
            case "RECENT": return c => c.Mailbox.IsRecent(c.Row.Uid);
            case "OLD": return c => !c.Mailbox.IsRecent(c.Row.Uid);
            case "NEW": return c => c.Mailbox.IsRecent(c.Row.Uid) && !MessageFlags.Has(c.Flags, MessageFlags.Seen);
            case "KEYWORD": args.ReadSpace(); return Has(args.ReadFlag());
            case "UNKEYWORD": args.ReadSpace(); return Not(Has(args.ReadFlag()));
            case "NOT":
                args.ReadSpace();
                return Not(ReadKey(args, session, selected, ref usesModseq, depth + 1, queries));
            case "OR":
                args.ReadSpace();
                var left = ReadKey(args, session, selected, ref usesModseq, depth + 1, queries);
                args.ReadSpace();
                var right = ReadKey(args, session, selected, ref usesModseq, depth + 1, queries);
                return c => left(c) || right(c);
            case "LARGER": args.ReadSpace(); var larger = args.ReadNumber(); return c => c.Row.Size > larger;
            case "SMALLER": args.ReadSpace(); var smaller = args.ReadNumber(); return c => c.Row.Size < smaller;
            case "UID":
                args.ReadSpace();
                var uidSet = args.ReadSequenceSet();
                var byUid = selected.Resolve(uidSet, byUid: true, session.SavedSearch).ToHashSet();
                return c => byUid.Contains(c.Row.Uid);
            case "BEFORE": args.ReadSpace(); var before = args.ReadDate(); return c => Day(c.Row.InternalDate) < before;
            case "ON": args.ReadSpace(); var on = args.ReadDate(); return c => Day(c.Row.InternalDate) == on;
            case "SINCE": args.ReadSpace(); var since = args.ReadDate(); return c => Day(c.Row.InternalDate) >= since;
            case "SENTBEFORE": args.ReadSpace(); var sentBefore = args.ReadDate(); return c => Sent(c) is { } d && d < sentBefore;
            case "SENTON": args.ReadSpace(); var sentOn = args.ReadDate(); return c => Sent(c) is { } d && d == sentOn;
            case "SENTSINCE": args.ReadSpace(); var sentSince = args.ReadDate(); return c => Sent(c) is { } d && d >= sentSince;
            case "FROM" or "TO" or "CC" or "BCC" or "SUBJECT":
                args.ReadSpace();
                var value = args.ReadAString();
                return c => HeaderContains(c.Message, key, value);
            case "HEADER":
                args.ReadSpace();
                var field = args.ReadAString();
                args.ReadSpace();
                var text = args.ReadAString();
                return c => HeaderContains(c.Message, field, text);
            case "BODY":
                args.ReadSpace();
                var body = args.ReadAString();
                if (TextIndex.CanServe(body))
                {
                    var query = new IndexQuery("body", body);
                    queries.Add(query);
                    return c => query.Found.Contains(c.Row.BlobHash);
                }
                return c => Contains(c.Text.Body, body);
            case "TEXT":
                args.ReadSpace();
                var all = args.ReadAString();
                if (TextIndex.CanServe(all))
                {
                    var query = new IndexQuery(null, all);
                    queries.Add(query);
                    return c => query.Found.Contains(c.Row.BlobHash);
                }
                return c => Contains(c.Text.Headers, all) || Contains(c.Text.Body, all);
            case "MODSEQ":
                args.ReadSpace();
                if (args.NextIs('"'))
                {
                    // entry-name SP entry-type-req: metadata of RFC 7162 §3.1.5, matched on the message as a whole.
                    args.ReadStringBytes();
                    args.ReadSpace();
                    args.ReadAtom();
                    args.ReadSpace();
                }
                var modseq = args.ReadNumber(long.MaxValue);
                usesModseq = true;
                session.Enabled.Add("CONDSTORE");
                return c => c.Row.Modseq >= modseq;
            default:
                throw new ImapSyntaxException($"Unknown search key {key}");
        }
    }

    private static byte PeekByte(ImapParser args)
    {
        // The parser has no public peek of bytes; a digit is what starts a sequence set.
        for (var c = '0'; c <= '9'; c++)
        {
            if (args.NextIs(c)) return (byte)c;
        }
        return 0;
    }

    private static Criterion Has(string flag) => c => MessageFlags.Has(c.Flags, flag);
    private static Criterion Not(Criterion inner) => c => !inner(c);
    private static DateOnly Day(DateTimeOffset date) => DateOnly.FromDateTime(date.UtcDateTime);
    private static DateOnly? Sent(Candidate c) => c.Message.Date is { } d ? DateOnly.FromDateTime(d.DateTime) : null;

    private static bool Contains(string? haystack, string needle) =>
        needle.Length == 0 || (haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase));

    private static bool HeaderContains(MimeMessage message, string name, string value) =>
        message.Headers.GetAll(name).Any(h => Contains(h.DecodedValue, value) || Contains(h.Value, value))
        // HEADER field "" matches every message that has the field (RFC 3501 §6.4.4).
        || (value.Length == 0 && message.Headers.Contains(name));
}
