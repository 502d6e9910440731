using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.4.4 SEARCH and UID SEARCH with every criterion of RFC 3501, CHARSET UTF-8 or US-ASCII,
/// MODSEQ (RFC 7162), EMAILID and THREADID (RFC 8474), SAVEDBEFORE, SAVEDON, SAVEDSINCE and SAVEDATESUPPORTED (RFC 8514), and ESEARCH's RETURN (MIN MAX COUNT ALL SAVE) (RFC 4731, RFC 5182).
/// Text criteria match case-insensitively in decoded header values (FROM, TO, CC, BCC in the parsed addresses) and decoded
/// text parts; TEXT and
/// BODY with three characters or more are answered by the SQLite FTS5 index (<see cref="TextIndex"/>).
/// </summary>
public sealed class SearchCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SEARCH"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    /// <summary>What a criterion looks at.</summary>
    internal sealed class Candidate(ImapSession session, SelectedMailbox mailbox, StoredMessage row, int sequence) : IDisposable
    {
        private LoadedMessage? _loaded;
        private MimeMessage? _message;
        private (string Headers, string Body)? _text;

        public StoredMessage Row => row;
        public int Sequence => sequence;
        public SelectedMailbox Mailbox => mailbox;
        public string Flags => mailbox.FlagsOf(row.Uid);

        /// <summary>The parsed message; <see cref="LoadAsync"/> reads it first, so no criterion reads a blob synchronously.</summary>
        public MimeMessage Message => _message ?? throw new InvalidOperationException("The message was not loaded before matching");

        /// <summary>
        /// Loads the message while this candidate is judged (see <see cref="MessageLoader"/>): a copy of a 49 MB bomb per
        /// search is what the mail-bomb test measured; criteria keep no part of it. A body gone meanwhile is an empty message.
        /// </summary>
        public async Task LoadAsync()
        {
            _loaded = await session.Services.Messages.LoadAsync(row.BlobHash, MessageLifetime.Scoped, session.Cancellation).ConfigureAwait(false)
                ?? session.Services.Messages.Empty;
            _message = _loaded.Message;
        }

        public void Dispose() => _loaded?.Dispose();

        /// <summary>Decoded header fields and text parts, exactly as the full-text index holds them.</summary>
        public (string Headers, string Body) Text => _text ??= TextIndex.Extract(Message);
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
        var arguments = SearchArguments.Parse(request.Args, request.Uid);
        var selected = session.Selected!;
        CheckCharset(arguments.Charset);
        // RFC 9051 §6.4.4: for IMAP4rev2 every SEARCH answers with ESEARCH, and no RETURN means RETURN (ALL).
        var returns = arguments.Return ?? (session.Rev2 ? ["ALL"] : []);
        var extended = arguments.Return is not null || session.Rev2;
        var (found, usesModseq) = await MatchAsync(session, selected, arguments.Key).ConfigureAwait(false);
        var numbers = found.Select(r => request.Uid ? r.Uid : selected.SequenceOf(r.Uid)).ToList();
        var modseq = usesModseq && found.Count > 0 ? ResultModseq(found, returns) : (long?)null;
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

    /// <summary>The charsets a SEARCH, SORT or THREAD may name (RFC 3501 §6.4.4): others are NO [BADCHARSET].</summary>
    internal static void CheckCharset(string? charset)
    {
        if (charset is not null && !charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapNoException("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
        }
    }

    /// <summary>
    /// The selected mailbox's messages that match <paramref name="key"/>, in UID order, and whether a criterion named
    /// MODSEQ (which enables CONDSTORE): what SEARCH, SORT and THREAD answer from.
    /// </summary>
    internal static async Task<(List<StoredMessage> Found, bool UsesModseq)> MatchAsync(ImapSession session, SelectedMailbox selected, SearchKey key)
    {
        var compiler = new Compiler(session, selected);
        // The top-level keys are all required: those that need only the row go first, so a message is read
        // (asynchronously) only when they all hold and one that reads it remains.
        var cheap = new List<Criterion>();
        var costly = new List<Criterion>();
        foreach (var part in key is SearchAnd top ? top.Keys : [key])
        {
            var before = compiler.ReadsMessage;
            compiler.ReadsMessage = false;
            var criterion = compiler.Compile(part);
            (compiler.ReadsMessage ? costly : cheap).Add(criterion);
            compiler.ReadsMessage |= before;
        }
        var queries = compiler.Queries;
        var usesModseq = compiler.UsesModseq;
        if (usesModseq)
        {
            // RFC 7162 §3.1: SEARCH MODSEQ is a CONDSTORE-enabling command.
            Condstore.Enable(session);
        }

        var rows = await session.Services.Store.MessagesByUidAsync(selected.Id, selected.Uids.ToList(), selected.SeenReader, session.Cancellation).ConfigureAwait(false);
        if (compiler.ThreadIds is { } threads)
        {
            foreach (var listed in await session.Services.Summaries.ByUidsAsync(selected.Id, [.. selected.Uids], session.Cancellation).ConfigureAwait(false))
            {
                threads[listed.Uid] = ObjectIds.Thread(listed.Summary.ThreadKey);
            }
        }
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
            if (!cheap.All(c => c(candidate)))
            {
                continue;
            }
            if (costly.Count > 0)
            {
                await candidate.LoadAsync().ConfigureAwait(false);
            }
            if (costly.All(c => c(candidate)))
            {
                found.Add(row);
            }
        }
        return (found, usesModseq);
    }

    /// <summary>
    /// The MODSEQ a SEARCH with a MODSEQ criterion reports (RFC 4731 §3.2, RFC 7162 §3.1.5): with MIN and/or MAX and neither
    /// ALL nor COUNT, the highest mod-sequence of the message(s) MIN and MAX return; otherwise the highest of all found.
    /// <paramref name="found"/> is in mailbox order, so MIN is its first and MAX its last.
    /// </summary>
    private static long ResultModseq(List<StoredMessage> found, IReadOnlyList<string> returns)
    {
        var min = returns.Contains("MIN");
        var max = returns.Contains("MAX");
        if ((min || max) && !returns.Contains("ALL") && !returns.Contains("COUNT"))
        {
            return Math.Max(min ? found[0].Modseq : 0, max ? found[^1].Modseq : 0);
        }
        return found.Max(r => r.Modseq);
    }

    /// <summary>Turns the parsed keys into a test over a candidate, noting what the test needs beforehand.</summary>
    private sealed class Compiler(ImapSession session, SelectedMailbox selected)
    {
        public List<IndexQuery> Queries { get; } = [];
        public bool UsesModseq { get; private set; }

        /// <summary>THREADID per UID, filled from the summaries before matching when a THREADID criterion needs it.</summary>
        public Dictionary<long, string>? ThreadIds { get; private set; }

        /// <summary>Whether some criterion reads the message (headers, Date:, or text the index cannot serve).</summary>
        public bool ReadsMessage { get; set; }

        public Criterion Compile(SearchKey key)
        {
            switch (key)
            {
                case SearchAnd all:
                    var inner = all.Keys.Select(Compile).ToList();
                    return c => inner.All(i => i(c));
                case SearchNot negation:
                    return Not(Compile(negation.Key));
                case SearchOr either:
                    var left = Compile(either.Left);
                    var right = Compile(either.Right);
                    return c => left(c) || right(c);
                case SearchSet set:
                    var uids = selected.Resolve(set.Set, set.Uid, session.SavedSearch).ToHashSet();
                    return c => uids.Contains(c.Row.Uid);
                case SearchFlag flag:
                    return flag.Present ? Has(flag.Flag) : Not(Has(flag.Flag));
                case SearchStateKey { State: SearchState.All }:
                    return _ => true;
                case SearchStateKey { State: SearchState.Recent }:
                    return c => c.Mailbox.IsRecent(c.Row.Uid);
                case SearchStateKey { State: SearchState.Old }:
                    return c => !c.Mailbox.IsRecent(c.Row.Uid);
                case SearchStateKey:
                    return c => c.Mailbox.IsRecent(c.Row.Uid) && !MessageFlags.Has(c.Flags, MessageFlags.Seen);
                case SearchSize size:
                    return size.Larger ? c => c.Row.Size > size.Size : c => c.Row.Size < size.Size;
                case SearchDate date:
                    ReadsMessage |= date.Sent;
                    Func<Candidate, DateOnly?> day = date.Sent ? Sent : c => Day(c.Row.InternalDate);
                    return date.Relation switch
                    {
                        SearchDateRelation.Before => c => day(c) is { } d && d < date.Date,
                        SearchDateRelation.On => c => day(c) is { } d && d == date.Date,
                        _ => c => day(c) is { } d && d >= date.Date,
                    };
                case SearchSaveDate saved:
                    // RFC 8514 §4: a message without a save date is judged by its internal date; none lacks one here.
                    Func<Candidate, DateOnly> savedDay = c => Day(c.Row.SavedAt ?? c.Row.InternalDate);
                    return saved.Relation switch
                    {
                        SearchDateRelation.Before => c => savedDay(c) < saved.Date,
                        SearchDateRelation.On => c => savedDay(c) == saved.Date,
                        _ => c => savedDay(c) >= saved.Date,
                    };
                case SearchSaveDateSupported:
                    return _ => true;
                case SearchHeader header:
                    ReadsMessage = true;
                    return c => HeaderContains(c.Message, header.Field, header.Value);
                case SearchAddress address:
                    ReadsMessage = true;
                    return c => AddressContains(c.Message, address.Field, address.Value);
                case SearchText text:
                    if (TextIndex.CanServe(text.Value))
                    {
                        var query = new IndexQuery(text.BodyOnly ? "body" : null, text.Value);
                        Queries.Add(query);
                        return c => query.Found.Contains(c.Row.BlobHash);
                    }
                    ReadsMessage = true;
                    return text.BodyOnly
                        ? c => Contains(c.Text.Body, text.Value)
                        : c => Contains(c.Text.Headers, text.Value) || Contains(c.Text.Body, text.Value);
                case SearchObjectId { Thread: false } email:
                    return c => string.Equals(ObjectIds.Email(c.Row.BlobHash), email.Id, StringComparison.Ordinal);
                case SearchObjectId thread:
                    var threads = ThreadIds ??= [];
                    return c => threads.TryGetValue(c.Row.Uid, out var id) && string.Equals(id, thread.Id, StringComparison.Ordinal);
                case SearchModseq modseq:
                    UsesModseq = true;
                    return c => c.Row.Modseq >= modseq.Modseq;
                default:
                    throw new InvalidOperationException($"No criterion for {key}");
            }
        }
    }

    private static Criterion Has(string flag) => c => MessageFlags.Has(c.Flags, flag);
    private static Criterion Not(Criterion inner) => c => !inner(c);
    private static DateOnly Day(DateTimeOffset date) => DateOnly.FromDateTime(date.UtcDateTime);
    private static DateOnly? Sent(Candidate c) => c.Message.Date is { } d ? DateOnly.FromDateTime(d.DateTime) : null;

    private static bool Contains(string? haystack, string needle) =>
        needle.Length == 0 || (haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// FROM, TO, CC, BCC (RFC 3501 §6.4.4): the needle in an address of the field as the envelope reports it, that is the
    /// decoded display name, the addr-spec, or both as "name &lt;addr-spec&gt;" (so "Bob &lt;bob@" matches, as in Dovecot),
    /// and a group's name. Comments are no part of an address (RFC 5322 §3.2.2), so <c>bob(home)@example.com</c> is found
    /// as bob@example.com and not by "home".
    /// </summary>
    private static bool AddressContains(MimeMessage message, string name, string value)
    {
        foreach (var field in message.Headers.GetAll(name))
        {
            foreach (var address in AddressParser.ParseList(field.Value))
            {
                var mailboxes = address is GroupAddress group ? group.Members : [(MailboxAddress)address];
                if (address is GroupAddress && Contains(address.DisplayName, value))
                {
                    return true;
                }
                foreach (var mailbox in mailboxes)
                {
                    var addrSpec = mailbox.AddrSpec;
                    if (Contains(addrSpec, value) || Contains(mailbox.DisplayName, value)
                        || (!string.IsNullOrEmpty(mailbox.DisplayName) && Contains(mailbox.DisplayName + " <" + addrSpec + ">", value)))
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static bool HeaderContains(MimeMessage message, string name, string value) =>
        message.Headers.GetAll(name).Any(h => Contains(h.DecodedValue, value) || Contains(h.Value, value))
        // HEADER field "" matches every message that has the field (RFC 3501 §6.4.4).
        || (value.Length == 0 && message.Headers.Contains(name));
}
