using Appliance.Mime;
using Appliance.Storage;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;

namespace Appliance.Mailstore;

/// <summary>
/// The SQLite FTS5 index that serves IMAP SEARCH TEXT and BODY and the webmail's search: decoded
/// header fields and decoded text parts of each message body (blob), tokenized in trigrams so that a
/// match is IMAP's case-insensitive substring. The message indexer fills it in the background, and a
/// search indexes whatever it still lacks first; an entry goes with its blob (a trigger on the blobs table).
/// </summary>
public sealed class TextIndex(Database database, MessageLoader messages, MailStore store, IOptions<MailstoreOptions> options)
{
    // Characters of text held before they are written: a batch of large messages must not add up.
    private const int WriteBudgetChars = 8 << 20;

    /// <summary>Trigrams need three characters; shorter needles are matched by reading the messages.</summary>
    public static bool CanServe(string needle) => needle.Length >= 3 && !needle.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// The text a criterion looks at, as the index stores it and as a scan compares it: the decoded header fields up to
    /// <see cref="MailstoreOptions.MaxIndexedHeaderChars"/>, and the text parts up to <see cref="MailstoreOptions.MaxIndexedBodyBytes"/>
    /// of their transferred bytes in all.
    /// </summary>
    public static (string Headers, string Body) Extract(MimeMessage message, MailstoreOptions? limits = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        limits ??= Defaults;
        var headers = new StringBuilder();
        foreach (var h in message.Headers)
        {
            if (headers.Length >= limits.MaxIndexedHeaderChars)
            {
                break;
            }
            if (headers.Length > 0)
            {
                headers.Append('\n');
            }
            headers.Append(h.Name).Append(": ").Append(h.DecodedValue ?? h.Value);
        }
        if (headers.Length > limits.MaxIndexedHeaderChars)
        {
            headers.Length = limits.MaxIndexedHeaderChars;
        }
        var body = new StringBuilder();
        var budget = limits.MaxIndexedBodyBytes;
        foreach (var e in message.Entities)
        {
            if (budget <= 0)
            {
                break;
            }
            if (e.IsMultipart || !e.ContentType.MimeType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (body.Length > 0)
            {
                body.Append('\n');
            }
            // HTML is searched for its words, as the reader sees them, not for its markup.
            var text = e.GetText(budget, out _);
            body.Append(e.ContentType.Is("text", "html") ? HtmlText.ToPlainText(text) : text);
            budget -= e.RawBody.Length;
        }
        return (headers.ToString(), body.ToString());
    }

    private static readonly MailstoreOptions Defaults = new();

    /// <summary>Indexes the bodies among <paramref name="hashes"/> that are not indexed yet.</summary>
    public async Task EnsureIndexedAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var missing = new List<string>();
        foreach (var chunk in hashes.Distinct().Chunk(500))
        {
            var known = (await connection.QueryAsync<string>("SELECT hash FROM message_text_index WHERE hash IN @chunk", new { chunk }).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            missing.AddRange(chunk.Where(h => !known.Contains(h)));
        }
        var texts = new List<(string Hash, string Headers, string Body)>();
        var held = 0L;
        for (var i = 0; i < missing.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Scoped: the extracted text is a copy, and the bytes go with the loaded message.
            using (var loaded = await messages.LoadAsync(missing[i], MessageLifetime.Scoped, cancellationToken).ConfigureAwait(false))
            {
                if (loaded is not null)
                {
                    var (headers, body) = Extract(loaded.Message, options.Value);
                    texts.Add((missing[i], headers, body));
                    held += headers.Length + body.Length;
                }
            }
            // Written 200 at a time, or sooner when their text adds up.
            if (texts.Count == 200 || held >= WriteBudgetChars || i == missing.Count - 1)
            {
                await WriteAsync(texts, cancellationToken).ConfigureAwait(false);
                texts.Clear();
                held = 0;
            }
        }
    }

    private async Task WriteAsync(List<(string Hash, string Headers, string Body)> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return;
        }
        await database.InTransactionAsync(async (c, t) =>
        {
            foreach (var (hash, headers, body) in texts)
            {
                // Another session may have indexed it meanwhile: the primary key keeps one entry.
                if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM message_text_index WHERE hash = @hash", new { hash }, t).ConfigureAwait(false) > 0)
                {
                    continue;
                }
                // RETURNING does not work on virtual tables.
                var rowid = await c.ExecuteScalarAsync<long>("INSERT INTO message_text(headers, body) VALUES (@headers, @body); SELECT last_insert_rowid();", new { headers, body }, t).ConfigureAwait(false);
                await c.ExecuteAsync("INSERT INTO message_text_index(hash, text_rowid) VALUES (@hash, @rowid)", new { hash, rowid }, t).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The FTS5 query for a substring of one column (or both): a phrase of trigrams, quotes doubled.</summary>
    public static string FtsQuery(string? column, string needle)
    {
        ArgumentNullException.ThrowIfNull(needle);
        var phrase = "\"" + needle.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        return column is null ? phrase : "{" + column + "} : " + phrase;
    }

    /// <summary>How many indexed bodies, in any folder, match; cheap (the index alone), to choose how to search.</summary>
    public async Task<long> CountAsync(string ftsQuery, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM message_text WHERE message_text MATCH @ftsQuery", new { ftsQuery }).ConfigureAwait(false);
    }

    /// <summary>Indexes whatever of the mailbox is still in the index queue (every body not indexed is there).</summary>
    public async Task EnsureMailboxIndexedAsync(long mailboxId, CancellationToken cancellationToken)
    {
        var queued = await store.QueuedBodiesAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (queued.Count > 0)
        {
            await EnsureIndexedAsync([.. queued], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The bodies of a mailbox's messages whose text (or only body, or only headers) contains <paramref name="needle"/>.</summary>
    public Task<HashSet<string>> MatchAsync(string? column, string needle, long mailboxId, CancellationToken cancellationToken) =>
        MatchAsync(column, needle, [mailboxId], cancellationToken);

    /// <summary>
    /// The bodies of these mailboxes' indexed messages whose text (or only <paramref name="column"/>, "headers" or
    /// "body") contains <paramref name="needle"/>, case-insensitively. A needle too short for trigrams
    /// (<see cref="CanServe"/>) is looked for in the stored text of those messages, one by one.
    /// </summary>
    public async Task<HashSet<string>> MatchAsync(string? column, string needle, IReadOnlyCollection<long> mailboxIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(needle);
        ArgumentNullException.ThrowIfNull(mailboxIds);
        if (column is not (null or "headers" or "body"))
        {
            throw new ArgumentException("The text index has the columns headers and body.", nameof(column));
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in mailboxIds.Distinct().Chunk(500))
        {
            IEnumerable<string> hashes;
            if (CanServe(needle))
            {
                var query = FtsQuery(column, needle);
                // CROSS JOIN keeps SQLite's order: the matches first, then each one's entry (by its row, migration
                // 10's index) and its messages (by body; the unary + keeps SQLite off the folder index, which
                // would walk the folder once per match). Any other order walks the folders.
                hashes = await connection.QueryAsync<string>("""
                    SELECT DISTINCT i.hash FROM (SELECT rowid AS text_rowid FROM message_text WHERE message_text MATCH @query) t
                    CROSS JOIN message_text_index i ON i.text_rowid = t.text_rowid
                    CROSS JOIN messages m ON m.blob_hash = i.hash
                    WHERE +m.mailbox_id IN @chunk
                    """, new { query, chunk }).ConfigureAwait(false);
            }
            else
            {
                FoldedText.Register(connection);
                var test = column is null
                    ? $"({FoldedText.Function}(t.headers, @needle) OR {FoldedText.Function}(t.body, @needle))"
                    : $"{FoldedText.Function}(t.{column}, @needle)";
                hashes = await connection.QueryAsync<string>($"""
                    SELECT DISTINCT i.hash FROM messages m
                    JOIN message_text_index i ON i.hash = m.blob_hash
                    JOIN message_text t ON t.rowid = i.text_rowid
                    WHERE m.mailbox_id IN @chunk AND {test}
                    """, new { needle, chunk }).ConfigureAwait(false);
            }
            found.UnionWith(hashes);
        }
        return found;
    }
}
