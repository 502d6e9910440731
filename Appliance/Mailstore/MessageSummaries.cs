using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Appliance.Mime;
using Appliance.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Mailstore;

/// <summary>What a message list shows of one message body, taken from its header and text once.</summary>
/// <param name="To">The To addresses as "Name &lt;addr&gt;, …".</param>
/// <param name="SentAt">The Date field, null when missing or unreadable.</param>
/// <param name="ThreadKey">The conversation: the root's Message-ID, or the hash of a message that names none.</param>
/// <param name="Preview">The start of the text, whitespace collapsed.</param>
/// <param name="References">
/// The msg-ids of References, or the first of In-Reply-To when it has none (what THREAD=REFERENCES links by, RFC 5256
/// §3 step 1A); null when not known (read back from a row that does not keep them).
/// </param>
public sealed record MessageSummary(string Subject, string FromName, string FromAddress, string To, string Cc, DateTimeOffset? SentAt,
    string? MessageId, string? InReplyTo, string ThreadKey, bool HasAttachments, string Preview, IReadOnlyList<string>? References = null);

/// <summary>The stored RFC 5256 sort keys a SORT can order by in SQL (<see cref="MessageSummaries.SortedUidsAsync"/>).</summary>
public enum StoredSortKey { Arrival, Date, Size, Subject, From }

/// <summary>
/// What THREAD needs of one message: its UID, Message-ID, the msg-ids it links to (null when its summary predates
/// them), subject, and sent date (the Date field, else the arrival date) in Unix milliseconds.
/// </summary>
public sealed record ThreadSource(long Uid, string? BlobHash, string? MessageId, IReadOnlyList<string>? References, string Subject, bool NamesParent, long DateMs, long ArrivalMs);

/// <summary>A message in a folder: its row (flags as stored, space-separated) and its summary.</summary>
public sealed record ListedMessage(long Uid, string Flags, long Size, DateTimeOffset InternalDate, string BlobHash, MessageSummary Summary);

/// <summary>A conversation in a folder: its newest message, how many messages it has and how many are unread.</summary>
public sealed record ListedThread(string ThreadKey, ListedMessage Latest, int Count, int Unread);

public enum MessageSort { Date, From, Subject, Size }

/// <summary>
/// Search criteria, all of which must hold; null ones are left out. Text criteria match a substring,
/// case-insensitively: From the sender's name or address, To any To or Cc recipient, Body the text parts.
/// Since is inclusive and Before exclusive, both on the date the message arrived.
/// </summary>
public sealed record MessageQuery(string? From = null, string? To = null, string? Subject = null, string? Body = null, DateTimeOffset? Since = null, DateTimeOffset? Before = null);

public sealed record FoundMessage(long MailboxId, ListedMessage Message);

/// <summary>
/// The message list of the webmail over the <c>message_summaries</c> table: one summary per body (blob),
/// made from the message on first need (or earlier by the message indexer) and removed with the blob.
/// Lists, sorts, conversations and search over folders of 100,000 messages read rows, never bodies.
/// </summary>
public sealed partial class MessageSummaries(Database database, MessageLoader messages, TextIndex textIndex, MailStore store,
    IOptions<MailstoreOptions> options, ILogger<MessageSummaries> logger)
{
    /// <summary>Characters of text kept as the preview.</summary>
    public const int PreviewLength = 200;

    // Text parts are long; the preview needs their start only (HTML has markup and styles before any text): bytes as transferred.
    private const int PreviewSourceLength = 64 * 1024;

    // Dapper's IN list becomes one parameter per value; SQLite allows 32766, and smaller statements plan faster.
    private const int ChunkSize = 500;

    /// <summary>
    /// Up to this many bodies matching a Body criterion, a search reads their messages by body; above it, it reads
    /// the folder newest first and checks each in SQL until the limit. Settable so that tests take both ways.
    /// </summary>
    internal int FewBodies { get; set; } = 2000;

    // How many bodies are read and parsed before their summaries are written in one short transaction.
    private const int WriteBatch = 200;

    // An unread message has no \Seen among its space-separated flags (LIKE ignores ASCII case, as flags do).
    private const string Unread = """CASE WHEN (' ' || m.flags || ' ') LIKE '% \Seen %' THEN 0 ELSE 1 END""";

    private const string SummaryColumns = """
        s.hash, s.subject, s.from_name, s.from_address, s.to_text, s.cc_text, s.sent_at, s.message_id, s.in_reply_to,
        s.thread_key, s.has_attachments, s.preview
        """;

    private const string Columns = "m.mailbox_id, m.uid, m.flags, m.size, m.internal_date, m.blob_hash, " + SummaryColumns;

    // Per-user \Seen (migration 15): in the folders of @privateBoxes the reader @reader sees their own \Seen.
    private const string InPrivate = "m.mailbox_id IN (SELECT value FROM json_each(@privateBoxes))";

    private static string SeenJoin(SeenView? seen) =>
        seen is null ? "" : " LEFT JOIN private_seen p ON p.mailbox_id = m.mailbox_id AND p.user_id = @reader AND p.uid = m.uid";

    private static string ColumnsFor(SeenView? seen) => seen is null ? Columns
        : "m.mailbox_id, m.uid, " +
          $"CASE WHEN {InPrivate} THEN ltrim(trim(replace(' ' || m.flags || ' ', ' \\Seen ', ' ')) || CASE WHEN p.seen = 1 THEN ' \\Seen' ELSE '' END) ELSE m.flags END AS flags, " +
          "m.size, m.internal_date, m.blob_hash, " + SummaryColumns;

    private static string UnreadFor(SeenView? seen) => seen is null ? Unread : $"CASE WHEN {InPrivate} THEN (p.seen IS NOT 1) ELSE {Unread} END";

    private static DynamicParameters Parameters(object values, SeenView? seen)
    {
        var parameters = new DynamicParameters(values);
        if (seen is not null)
        {
            parameters.Add("reader", seen.Reader);
            parameters.Add("privateBoxes", "[" + string.Join(',', seen.PrivateMailboxes.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]");
        }
        return parameters;
    }

    /// <summary>The summary of one message; its text fields are cut to <see cref="MailstoreOptions.MaxSummaryFieldChars"/>.</summary>
    public static MessageSummary Summarize(MimeMessage message, string hash, MailstoreOptions? limits = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(hash);
        var max = (limits ?? DefaultLimits).MaxSummaryFieldChars;
        var from = message.From.FirstOrDefault();
        var messageId = MessageIds.First(message.MessageId);
        var inReplyTo = MessageIds.First(message.Headers.GetValue("In-Reply-To"));
        var references = MessageIds.Parse(message.Headers.GetValue("References"));
        var root = references.Count > 0 ? references[0] : null;
        return new MessageSummary(
            Subject: Collapse(message.Subject ?? "", max),
            // A From the address parser cannot read still names someone: show it as written.
            FromName: Collapse(from is null ? message.Headers["From"]?.DecodedValue ?? "" : from.DisplayName ?? "", max),
            FromAddress: Cut(from?.AddrSpec ?? "", max),
            To: JoinAddresses(message.To, max),
            Cc: JoinAddresses(message.Cc, max),
            SentAt: message.Date,
            MessageId: messageId,
            InReplyTo: inReplyTo,
            ThreadKey: root ?? inReplyTo ?? messageId ?? hash,
            HasAttachments: Attachments.Any(message),
            Preview: Preview(message),
            References: references.Count > 0 ? references : inReplyTo is { } parent ? [parent] : []);
    }

    private static readonly MailstoreOptions DefaultLimits = new();

    /// <summary>"Name &lt;addr&gt;, …" of as many addresses as fit in <paramref name="max"/> characters, "…" when some were left out.</summary>
    private static string JoinAddresses(IReadOnlyList<MailboxAddress> addresses, int max)
    {
        var text = new StringBuilder();
        for (var i = 0; i < addresses.Count; i++)
        {
            var next = addresses[i].ToString();
            if (text.Length + next.Length + 2 > max)
            {
                text.Append(text.Length > 0 ? ", …" : "…");
                break;
            }
            text.Append(text.Length > 0 ? ", " : "").Append(next);
        }
        return text.ToString();
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];

    /// <summary>
    /// The key a subject sorts by: lower case, without the reply and forward prefixes mail clients add in
    /// English and the languages this appliance speaks ("Re:", "Fwd:", "AW:", "WG:", "TR:", "RV:", "R:", "I:", also
    /// "Re[2]:" and repeated ones), so that a conversation sorts together.
    /// </summary>
    public static string SubjectSortKey(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return ReplyPrefixes().Replace(subject, "").Trim().ToLowerInvariant();
    }

    /// <summary>The key a sender sorts by: the display name, or the address when there is none, lower case.</summary>
    public static string FromSortKey(string fromName, string fromAddress) =>
        (string.IsNullOrWhiteSpace(fromName) ? fromAddress : fromName).Trim().ToLowerInvariant();

    /// <summary>
    /// RFC 5256 SORT SUBJECT's key: the base subject (§2.1) under i;ascii-casemap (RFC 4790 §9.2, ASCII letters upper
    /// case). Stored as <c>sort_subject</c>, so that SQL compares it as octets, which is what the comparator does.
    /// </summary>
    public static string Rfc5256SubjectKey(string subject) => AsciiCasemap(BaseSubject.Extract(subject));

    /// <summary>RFC 5256 SORT FROM's key: the addr-mailbox (local part) of the first From address, i;ascii-casemap.</summary>
    public static string Rfc5256FromKey(string fromAddress) => AsciiCasemap(SummaryAddresses.LocalPart(fromAddress));

    /// <summary>The i;ascii-casemap comparator's form of a string (RFC 4790 §9.2): ASCII letters upper-cased, the rest as it is.</summary>
    public static string AsciiCasemap(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsAsciiLetterLower(source[i]) ? (char)(source[i] - 32) : source[i];
            }
        });
    }

    /// <summary>Summarizes the bodies among <paramref name="hashes"/> that have no summary yet.</summary>
    public async Task EnsureAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var missing = new List<string>();
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var chunk in hashes.Distinct(StringComparer.Ordinal).Chunk(ChunkSize))
            {
                var known = (await connection.QueryAsync<string>("SELECT hash FROM message_summaries WHERE hash IN @chunk AND sort_subject IS NOT NULL", new { chunk }).ConfigureAwait(false))
                    .ToHashSet(StringComparer.Ordinal);
                missing.AddRange(chunk.Where(h => !known.Contains(h)));
            }
        }
        foreach (var batch in missing.Chunk(WriteBatch))
        {
            var summaries = new List<(string Hash, MessageSummary Summary)>(batch.Length);
            foreach (var hash in batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                summaries.Add((hash, await ReadSummaryAsync(hash, cancellationToken).ConfigureAwait(false)));
            }
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                foreach (var (hash, summary) in summaries)
                {
                    await InsertAsync(connection, transaction, hash, summary).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Summarizes whatever of the mailbox is still in the index queue: every body without a summary is there
    /// (the queue's trigger), so the folder need not be walked.
    /// </summary>
    public async Task EnsureMailboxAsync(long mailboxId, CancellationToken cancellationToken)
    {
        var queued = await store.QueuedBodiesAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (queued.Count > 0)
        {
            await EnsureAsync([.. queued], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One page of a folder in the given order, ties broken by UID in the same direction. Date is the
    /// arrival (internal) date, as IMAP clients sort by default. Sorting by From or Subject summarizes
    /// whatever the folder still lacks first.
    /// </summary>
    /// <param name="seen">Whose \Seen to show where a folder keeps readers' \Seen apart; null for the messages' own.</param>
    public async Task<IReadOnlyList<ListedMessage>> PageAsync(long mailboxId, MessageSort sort, bool descending, int offset, int count, SeenView? seen, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }
        var direction = descending ? "DESC" : "ASC";
        var key = sort switch
        {
            MessageSort.Date => "m.internal_date",
            MessageSort.Size => "m.size",
            MessageSort.From => "COALESCE(s.from_sort, '')",
            MessageSort.Subject => "COALESCE(s.subject_sort, '')",
            _ => throw new ArgumentOutOfRangeException(nameof(sort)),
        };
        if (sort is MessageSort.From or MessageSort.Subject)
        {
            // No index orders by these: the whole folder's order is made once for its state and kept, and every page
            // the list scrolls to is a slice of it (each page sorted the 100,000 rows afresh, 164 ms, bench/webmail.sh).
            var ordered = await FolderOrderAsync(mailboxId, $"page:{sort}:{direction}", $"{key} {direction}, m.uid {direction}", joinSummaries: true, cancellationToken).ConfigureAwait(false);
            var slice = ordered.Skip(offset).Take(count).ToList();
            var listed = (await ByUidsAsync(mailboxId, slice, seen, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Uid);
            return [.. slice.Where(listed.ContainsKey).Select(uid => listed[uid])];
        }
        List<Row> rows;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            rows = (await connection.QueryAsync<Row>($"""
                SELECT {ColumnsFor(seen)} FROM messages m LEFT JOIN message_summaries s ON s.hash = m.blob_hash{SeenJoin(seen)}
                WHERE m.mailbox_id = @mailboxId
                ORDER BY {key} {direction}, m.uid {direction}
                LIMIT @count OFFSET @offset
                """, Parameters(new { mailboxId, count, offset }, seen)).ConfigureAwait(false)).AsList();
        }
        return await ToListedAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>These messages of the folder (the ones that exist), in UID order.</summary>
    public Task<IReadOnlyList<ListedMessage>> ByUidsAsync(long mailboxId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken) =>
        ByUidsAsync(mailboxId, uids, seen: null, cancellationToken);

    private async Task<IReadOnlyList<ListedMessage>> ByUidsAsync(long mailboxId, IReadOnlyCollection<long> uids, SeenView? seen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        if (uids.Count == 0)
        {
            return [];
        }
        // One JSON array through json_each, not Dapper's IN @chunk: that binds a named parameter per UID, and
        // SQLite finds each by a linear scan of all of them (see MailStore.MessagesByUidAsync).
        var list = "[" + string.Join(',', uids.Select(u => u.ToString(CultureInfo.InvariantCulture))) + "]";
        List<Row> rows;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            rows = (await connection.QueryAsync<Row>($"""
                SELECT {ColumnsFor(seen)} FROM messages m LEFT JOIN message_summaries s ON s.hash = m.blob_hash{SeenJoin(seen)}
                WHERE m.mailbox_id = @mailboxId AND m.uid IN (SELECT value FROM json_each(@list))
                ORDER BY m.uid
                """, Parameters(new { mailboxId, list }, seen)).ConfigureAwait(false)).AsList();
        }
        return await ToListedAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The summaries already made of these bodies, none made now (IMAP's PREVIEW (LAZY), RFC 8970 §3.2).</summary>
    public async Task<IReadOnlyDictionary<string, MessageSummary>> StoredAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var stored = new Dictionary<string, MessageSummary>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in hashes.Distinct(StringComparer.Ordinal).Chunk(ChunkSize))
        {
            foreach (var row in await connection.QueryAsync<Row>($"""
                SELECT {SummaryColumns} FROM message_summaries s WHERE s.hash IN @chunk
                """, new { chunk }).ConfigureAwait(false))
            {
                stored[row.Hash!] = row.ToSummary();
            }
        }
        return stored;
    }

    // A message's arrival and the Date fallback in Unix milliseconds: internal_date is ISO 8601 text with its offset.
    private const string ArrivalMs = "CAST(round(unixepoch(m.internal_date, 'subsec') * 1000) AS INTEGER)";
    private const string ArrivalMsOfRow = "CAST(round(unixepoch(internal_date, 'subsec') * 1000) AS INTEGER)";

    /// <summary>
    /// Every UID of the folder in the order of <paramref name="criteria"/> (each ascending unless reversed), ties by
    /// UID, that is by sequence number (RFC 5256 §3): IMAP SORT over the stored keys, ordered by SQLite, without a
    /// row per message in memory. Dates compare to the millisecond. Summarizes whatever the folder still lacks first.
    /// </summary>
    /// <param name="view">The count and highest UID of the caller's view of the folder: a result kept for those same
    /// messages (<see cref="FolderResultCache"/>) is answered without SQL; null to read the folder as it is now.</param>
    public async Task<IReadOnlyList<long>> SortedUidsAsync(long mailboxId, IReadOnlyList<(StoredSortKey Key, bool Reverse)> criteria,
        (int Count, long MaxUid)? view, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        var order = string.Join(", ", criteria.Select(c => c.Key switch
        {
            StoredSortKey.Arrival => ArrivalMs,
            StoredSortKey.Date => $"COALESCE(m.sort_date, {ArrivalMs})",
            StoredSortKey.Size => "m.size",
            StoredSortKey.Subject => "COALESCE(m.sort_subject, '')",
            StoredSortKey.From => "COALESCE(m.sort_from, '')",
            _ => throw new ArgumentOutOfRangeException(nameof(criteria)),
        } + (c.Reverse ? " DESC" : "")));
        var kind = "sort:" + order;
        if (view is { } state && _results.Get<long[]>(mailboxId, kind, state.Count, state.MaxUid) is { } kept)
        {
            return kept;
        }
        return await FolderOrderAsync(mailboxId, kind, order + ", m.uid", joinSummaries: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What THREAD needs of every message of the folder, in UID order; summarizes whatever the folder still lacks first.
    /// One range of <c>message_threads</c> (migration 16) in step with the folder's rows; a message without one there
    /// (a summary made before migration 13 and not yet redone, or none to be had) is read from its summary.
    /// </summary>
    public async Task<List<ThreadSource>> ThreadSourcesAsync(long mailboxId, CancellationToken cancellationToken)
    {
        await EnsureMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var sources = new List<ThreadSource>();
        var missing = new List<int>();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Two ranges in one snapshot, merged here by UID: the folder's UIDs (its index alone) and its thread rows.
        // Joining them in SQL probed the thread table once per message, 160 of 200 ms over 100,000 (sqlite3 .timer).
        // Deferred: a read transaction, which holds no lock against writers (WAL).
        await using (var snapshot = connection.BeginTransaction(deferred: true))
        {
            var uids = new List<long>();
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = snapshot;
                command.CommandText = "SELECT uid FROM messages WHERE mailbox_id = @mailboxId ORDER BY uid";
                command.Parameters.AddWithValue("@mailboxId", mailboxId);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    uids.Add(reader.GetInt64(0));
                }
            }
            sources.Capacity = uids.Count;
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = snapshot;
                command.CommandText = """
                    SELECT uid, message_id, refs, subject, sent_ms, arrival_ms FROM message_threads
                    WHERE mailbox_id = @mailboxId ORDER BY uid
                    """;
                command.Parameters.AddWithValue("@mailboxId", mailboxId);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var next = 0;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var uid = reader.GetInt64(0);
                    for (; next < uids.Count && uids[next] < uid; next++)
                    {
                        missing.Add(sources.Count);
                        sources.Add(new ThreadSource(uids[next], null, null, null, "", false, 0, 0));
                    }
                    if (next == uids.Count || uids[next] != uid)
                    {
                        continue;
                    }
                    next++;
                    var refs = reader.GetString(2);
                    sources.Add(new ThreadSource(uid, null, reader.IsDBNull(1) ? null : reader.GetString(1), refs.Length == 0 ? [] : refs.Split(' '),
                        reader.GetString(3), false, reader.GetInt64(4), reader.GetInt64(5)));
                }
                for (; next < uids.Count; next++)
                {
                    missing.Add(sources.Count);
                    sources.Add(new ThreadSource(uids[next], null, null, null, "", false, 0, 0));
                }
            }
        }
        if (missing.Count == 0)
        {
            return sources;
        }
        // The blob hash only where References must be read from the message, and whether the thread key names a parent.
        var list = "[" + string.Join(',', missing.Select(i => sources[i].Uid.ToString(CultureInfo.InvariantCulture))) + "]";
        var byUid = missing.ToDictionary(i => sources[i].Uid);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT m.uid, CASE WHEN s.refs IS NULL THEN m.blob_hash END, s.message_id, s.refs, COALESCE(s.subject, ''),
                       COALESCE(s.thread_key, m.blob_hash) IS NOT COALESCE(s.message_id, m.blob_hash), COALESCE(s.sort_date, {ArrivalMs}), {ArrivalMs}
                FROM messages m LEFT JOIN message_summaries s ON s.hash = m.blob_hash
                WHERE m.mailbox_id = @mailboxId AND m.uid IN (SELECT value FROM json_each(@list))
                """;
            command.Parameters.AddWithValue("@mailboxId", mailboxId);
            command.Parameters.AddWithValue("@list", list);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                IReadOnlyList<string>? references = null;
                if (!reader.IsDBNull(3))
                {
                    var refs = reader.GetString(3);
                    references = refs.Length == 0 ? [] : refs.Split(' ');
                }
                var uid = reader.GetInt64(0);
                sources[byUid[uid]] = new ThreadSource(uid, reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    references, reader.GetString(4), reader.GetInt64(5) != 0, reader.GetInt64(6), reader.GetInt64(7));
            }
        }
        return sources;
    }

    /// <summary>The UIDs of a folder's messages with this Message-ID (a reply marks them \Answered).</summary>
    public async Task<IReadOnlyList<long>> UidsByMessageIdAsync(long mailboxId, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<long>("""
            SELECT m.uid FROM messages m JOIN message_summaries s ON s.hash = m.blob_hash
            WHERE m.mailbox_id = @mailboxId AND s.message_id = @messageId
            """, new { mailboxId, messageId }).ConfigureAwait(false)).AsList();
    }

    /// <summary>Messages and unread messages (no \Seen) of each of these folders; 0 and 0 for an empty or unknown one.</summary>
    public async Task<IReadOnlyDictionary<long, (int Total, int Unread)>> CountsAsync(IReadOnlyCollection<long> mailboxIds, SeenView? seen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailboxIds);
        var counts = mailboxIds.Distinct().ToDictionary(id => id, _ => (Total: 0, Unread: 0));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in counts.Keys.Chunk(ChunkSize))
        {
            var rows = await connection.QueryAsync<(long MailboxId, int Total, int Unread)>($"""
                SELECT m.mailbox_id, COUNT(*), SUM({UnreadFor(seen)}) FROM messages m{SeenJoin(seen)} WHERE m.mailbox_id IN @chunk GROUP BY m.mailbox_id
                """, Parameters(new { chunk }, seen)).ConfigureAwait(false);
            foreach (var (mailboxId, total, unread) in rows)
            {
                counts[mailboxId] = (total, unread);
            }
        }
        return counts;
    }

    /// <summary>
    /// Messages of these folders that meet every criterion of <paramref name="query"/>, newest (by arrival)
    /// first, at most <paramref name="limit"/>. Body is answered by the full-text index (<see cref="TextIndex"/>),
    /// filled first for whatever these folders still lack; From, To and Subject by the summaries.
    /// </summary>
    public async Task<IReadOnlyList<FoundMessage>> SearchAsync(IReadOnlyCollection<long> mailboxIds, MessageQuery query, int limit, SeenView? seen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailboxIds);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var ids = mailboxIds.Distinct().ToList();
        if (ids.Count == 0 || limit == 0)
        {
            return [];
        }
        var from = Needle(query.From);
        var to = Needle(query.To);
        var subject = Needle(query.Subject);
        var body = Needle(query.Body);
        if (from is not null || to is not null || subject is not null)
        {
            foreach (var id in ids)
            {
                await EnsureMailboxAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }
        HashSet<string>? bodies = null;
        string? bodyMatch = null;
        if (body is not null)
        {
            foreach (var id in ids)
            {
                await textIndex.EnsureMailboxIndexedAsync(id, cancellationToken).ConfigureAwait(false);
            }
            // A common word (more matches than FewBodies anywhere) is checked in SQL while the folder is read
            // newest first, which stops at the limit; a rare word's few bodies are fetched and sorted here.
            if (TextIndex.CanServe(body) && await textIndex.CountAsync(TextIndex.FtsQuery("body", body), cancellationToken).ConfigureAwait(false) > FewBodies)
            {
                bodyMatch = TextIndex.FtsQuery("body", body);
            }
            else
            {
                bodies = await textIndex.MatchAsync("body", body, ids, cancellationToken).ConfigureAwait(false);
                if (bodies.Count == 0)
                {
                    return [];
                }
            }
        }

        var rows = new List<Row>();
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            FoldedText.Register(connection);
            var conditions = new List<string> { "m.mailbox_id IN @ids" };
            if (query.Since is not null)
            {
                conditions.Add("m.internal_date >= @since");
            }
            if (query.Before is not null)
            {
                conditions.Add("m.internal_date < @before");
            }
            if (from is not null)
            {
                conditions.Add($"({FoldedText.Condition("s.from_name", "from", from)} OR {FoldedText.Condition("s.from_address", "from", from)})");
            }
            if (to is not null)
            {
                conditions.Add($"({FoldedText.Condition("s.to_text", "to", to)} OR {FoldedText.Condition("s.cc_text", "to", to)})");
            }
            if (subject is not null)
            {
                conditions.Add(FoldedText.Condition("s.subject", "subject", subject));
            }
            var parameters = Parameters(new
            {
                ids,
                since = query.Since,
                before = query.Before,
                from,
                fromLike = Sql.LikePattern(from),
                to,
                toLike = Sql.LikePattern(to),
                subject,
                subjectLike = Sql.LikePattern(subject),
            }, seen);
            if (bodyMatch is not null)
            {
                // The match set is built once (FTS5 alone); each message read is one lookup of its body's entry.
                conditions.Add("""
                    EXISTS (SELECT 1 FROM message_text_index i WHERE i.hash = m.blob_hash
                            AND i.text_rowid IN (SELECT rowid FROM message_text WHERE message_text MATCH @bodyMatch))
                    """);
                parameters.Add("bodyMatch", bodyMatch);
            }
            if (bodies is not null && bodies.Count <= FewBodies)
            {
                // By body first (the blob index): the unary + keeps SQLite from reading the folder instead.
                conditions[0] = "+" + conditions[0];
                // A rare word: read its few messages by their bodies (the blob index) and sort them here, rather
                // than walk the whole folder newest first looking for them.
                foreach (var chunk in bodies.Chunk(ChunkSize))
                {
                    parameters.Add("bodies", chunk);
                    rows.AddRange(await connection.QueryAsync<Row>($"""
                        SELECT {ColumnsFor(seen)} FROM messages m LEFT JOIN message_summaries s ON s.hash = m.blob_hash{SeenJoin(seen)}
                        WHERE m.blob_hash IN @bodies AND {string.Join(" AND ", conditions)}
                        """, parameters).ConfigureAwait(false));
                }
                rows = [.. rows.OrderByDescending(r => r.InternalDate).ThenBy(r => r.MailboxId).ThenByDescending(r => r.Uid).Take(limit)];
            }
            else
            {
                // Read newest first (the folder and date index) and stop at the limit.
                var candidates = connection.QueryUnbufferedAsync<Row>($"""
                    SELECT {ColumnsFor(seen)} FROM messages m LEFT JOIN message_summaries s ON s.hash = m.blob_hash{SeenJoin(seen)}
                    WHERE {string.Join(" AND ", conditions)}
                    ORDER BY m.internal_date DESC, m.mailbox_id, m.uid DESC
                    """, parameters);
                await foreach (var row in candidates.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (bodies is null || bodies.Contains(row.BlobHash))
                    {
                        rows.Add(row);
                        if (rows.Count == limit)
                        {
                            break;
                        }
                    }
                }
            }
        }
        var listed = await ToListedAsync(rows, cancellationToken).ConfigureAwait(false);
        return [.. listed.Select((message, i) => new FoundMessage(rows[i].MailboxId, message))];
    }

    /// <summary>The listed form of rows, summarizing (and reading back) the bodies that have no summary yet.</summary>
    private async Task<IReadOnlyList<ListedMessage>> ToListedAsync(IReadOnlyList<Row> rows, CancellationToken cancellationToken)
    {
        var missing = rows.Where(r => r.Hash is null).Select(r => r.BlobHash).Distinct(StringComparer.Ordinal).ToList();
        var filled = new Dictionary<string, MessageSummary>(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            await EnsureAsync(missing, cancellationToken).ConfigureAwait(false);
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var chunk in missing.Chunk(ChunkSize))
            {
                foreach (var row in await connection.QueryAsync<Row>($"""
                    SELECT {SummaryColumns} FROM message_summaries s WHERE s.hash IN @chunk
                    """, new { chunk }).ConfigureAwait(false))
                {
                    filled[row.Hash!] = row.ToSummary();
                }
            }
        }
        return [.. rows.Select(r => new ListedMessage(r.Uid, r.Flags, r.Size, r.InternalDate, r.BlobHash,
            r.Hash is not null ? r.ToSummary()
            // Its blob went between the two reads (the message was deleted): listed with nothing to show.
            : filled.GetValueOrDefault(r.BlobHash) ?? Empty(r.BlobHash)))];
    }

    private async Task<MessageSummary> ReadSummaryAsync(string hash, CancellationToken cancellationToken)
    {
        try
        {
            // Scoped: the summary's strings are copies, and the bytes go with the loaded message.
            using var loaded = await messages.LoadAsync(hash, MessageLifetime.Scoped, cancellationToken).ConfigureAwait(false);
            if (loaded is null)
            {
                LogMissing(logger, hash);
                return Empty(hash);
            }
            return Summarize(loaded.Message, hash, options.Value);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The parser never throws on bad mail, so this is an unreadable file or a fault in the MIME
            // code: the message is listed with empty fields rather than stopping every list and the indexer.
            LogUnreadable(logger, hash, e);
            return Empty(hash);
        }
    }

    private static async Task InsertAsync(SqliteConnection connection, DbTransaction transaction, string hash, MessageSummary summary)
    {
        var sortSubject = Rfc5256SubjectKey(summary.Subject);
        var sortFrom = Rfc5256FromKey(summary.FromAddress);
        var sortDate = summary.SentAt?.ToUnixTimeMilliseconds();
        await InsertSummaryAsync(connection, transaction, hash, summary, sortSubject, sortFrom, sortDate).ConfigureAwait(false);
        // The messages of this body get SORT's keys (migration 13); the ones stored later take them by trigger.
        await connection.ExecuteAsync($"""
            UPDATE messages SET sort_subject = @sortSubject, sort_from = @sortFrom, sort_date = COALESCE(@sortDate, {ArrivalMsOfRow})
            WHERE blob_hash = @hash AND sort_subject IS NULL;
            """, new { hash, sortSubject, sortFrom, sortDate }, transaction).ConfigureAwait(false);
        // And what THREAD reads (migration 16), from the summary as stored: another caller's, if it came first.
        await connection.ExecuteAsync($"""
            INSERT OR REPLACE INTO message_threads(mailbox_id, uid, message_id, refs, subject, sent_ms, arrival_ms)
                SELECT m.mailbox_id, m.uid, s.message_id, s.refs, COALESCE(s.subject, ''), COALESCE(s.sort_date, {ArrivalMs}), {ArrivalMs}
                FROM messages m JOIN message_summaries s ON s.hash = m.blob_hash
                WHERE m.blob_hash = @hash AND s.refs IS NOT NULL
            """, new { hash }, transaction).ConfigureAwait(false);
    }

    private static Task InsertSummaryAsync(SqliteConnection connection, DbTransaction transaction, string hash, MessageSummary summary,
        string sortSubject, string sortFrom, long? sortDate) =>
        // Only while the blob exists: a summary written after its blob went would never be removed.
        // Another caller may have summarized it meanwhile: the primary key keeps one.
        connection.ExecuteAsync("""
            INSERT INTO message_summaries(hash, subject, subject_sort, from_name, from_address, from_sort, to_text, cc_text,
                                          sent_at, message_id, in_reply_to, thread_key, has_attachments, preview,
                                          sort_subject, sort_from, sort_date, refs)
            SELECT @hash, @Subject, @subjectSort, @FromName, @FromAddress, @fromSort, @To, @Cc,
                   @SentAt, @MessageId, @InReplyTo, @ThreadKey, @HasAttachments, @Preview,
                   @sortSubject, @sortFrom, @sortDate, @refs
            WHERE EXISTS (SELECT 1 FROM blobs WHERE hash = @hash)
            ON CONFLICT(hash) DO UPDATE SET sort_subject = excluded.sort_subject, sort_from = excluded.sort_from,
                                            sort_date = excluded.sort_date, refs = excluded.refs
                                        WHERE message_summaries.sort_subject IS NULL
            """, new
        {
            hash,
            summary.Subject,
            subjectSort = SubjectSortKey(summary.Subject),
            summary.FromName,
            summary.FromAddress,
            fromSort = FromSortKey(summary.FromName, summary.FromAddress),
            summary.To,
            summary.Cc,
            summary.SentAt,
            summary.MessageId,
            summary.InReplyTo,
            summary.ThreadKey,
            summary.HasAttachments,
            summary.Preview,
            sortSubject,
            sortFrom,
            sortDate,
            // msg-ids hold no white space (RFC 5322 §3.6.4), so a space separates them.
            refs = string.Join(' ', summary.References ?? []),
        }, transaction);

    private static MessageSummary Empty(string hash) => new("", "", "", "", "", null, null, null, hash, false, "");

    private static string? Needle(string? criterion) => string.IsNullOrWhiteSpace(criterion) ? null : criterion.Trim();

    /// <summary>The start of the first plain text part, else of the first HTML part without its markup.</summary>
    private static string Preview(MimeMessage message)
    {
        var bodies = Attachments.Bodies(message);
        if (bodies.Plain is { } plain)
        {
            return Collapse(plain.GetText(PreviewSourceLength, out _), PreviewLength);
        }
        if (bodies.Html is { } html)
        {
            return Collapse(HtmlText.ToPlainText(html.GetText(PreviewSourceLength, out _), PreviewLength * 4), PreviewLength);
        }
        return "";
    }

    /// <summary>Runs of white space (line breaks, tabs, no-break spaces) and control characters as one space, trimmed, at most <paramref name="length"/> characters.</summary>
    private static string Collapse(string text, int length)
    {
        var result = new StringBuilder(Math.Min(text.Length, length));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = result.Length > 0;
                continue;
            }
            if (space)
            {
                if (result.Length + 1 >= length)
                {
                    break;
                }
                result.Append(' ');
                space = false;
            }
            if (result.Length >= length)
            {
                break;
            }
            result.Append(c);
        }
        // Never end on half a surrogate pair.
        if (result.Length > 0 && char.IsHighSurrogate(result[^1]))
        {
            result.Length--;
        }
        return result.ToString();
    }

    // "Re:", "RE :", "Re[2]:", "Fwd:", "Fw:", and the French, German, Italian and Spanish ones, repeated.
    [GeneratedRegex(@"^(\s*(re|fwd?|aw|wg|tr|rv|r|i|enc|sv|antw)\s*(\[\d+\])?\s*:)+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReplyPrefixes();

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Message body {Hash} is missing; it is listed with empty fields")]
    private static partial void LogMissing(ILogger logger, string hash);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Message body {Hash} could not be summarized; it is listed with empty fields")]
    private static partial void LogUnreadable(ILogger logger, string hash, Exception exception);

    private class Row
    {
        public long MailboxId { get; init; }
        public long Uid { get; init; }
        public string Flags { get; init; } = "";
        public long Size { get; init; }
        public DateTimeOffset InternalDate { get; init; }
        public string BlobHash { get; init; } = "";
        public string? Hash { get; init; }
        public string? Subject { get; init; }
        public string? FromName { get; init; }
        public string? FromAddress { get; init; }
        public string? ToText { get; init; }
        public string? CcText { get; init; }
        public DateTimeOffset? SentAt { get; init; }
        public string? MessageId { get; init; }
        public string? InReplyTo { get; init; }
        public string? ThreadKey { get; init; }
        public bool HasAttachments { get; init; }
        public string? Preview { get; init; }

        public MessageSummary ToSummary() => new(Subject ?? "", FromName ?? "", FromAddress ?? "", ToText ?? "", CcText ?? "", SentAt,
            MessageId, InReplyTo, ThreadKey ?? Hash ?? BlobHash, HasAttachments, Preview ?? "");
    }

}
