using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Mailstore;

public sealed class Mailbox
{
    public long Id { get; init; }
    public long UserId { get; init; }
    public string Name { get; init; } = "";
    public string? SpecialUse { get; init; }
    public long Uidvalidity { get; init; }
    public long Uidnext { get; init; }
}

public sealed class StoredMessage
{
    public long Id { get; init; }
    public long MailboxId { get; init; }
    public long Uid { get; init; }
    public string BlobHash { get; init; } = "";
    public long Size { get; init; }
    public DateTimeOffset InternalDate { get; init; }
    public string Flags { get; init; } = "";
    public long Modseq { get; init; }

    /// <summary>When the message came into this folder (RFC 8514 SAVEDATE); null only for a row read without it.</summary>
    public DateTimeOffset? SavedAt { get; init; }
}

/// <summary>
/// Users' mailboxes and the messages in them (the <c>mailboxes</c> and <c>messages</c> tables). Bodies
/// live in the blob store; a message row holds a reference, counted by the table's triggers.
/// </summary>
public sealed partial class MailStore(Database database, TimeProvider time, Microsoft.Extensions.Options.IOptions<MailstoreOptions> options, MailboxEvents events)
{
    /// <summary>
    /// The folders every user has (RFC 6154 special use), made when first needed: the inbox, and the
    /// ones Thunderbird, Outlook and phones look for by role.
    /// </summary>
    public static IReadOnlyList<(string Name, string? SpecialUse)> DefaultMailboxes { get; } =
    [
        ("INBOX", null), ("Drafts", @"\Drafts"), ("Sent", @"\Sent"), ("Trash", @"\Trash"), ("Junk", @"\Junk"), ("Archive", @"\Archive"),
    ];

    /// <summary>The Junk folder's name when it is made, and its RFC 6154 role, by which it is found once a user renamed it.</summary>
    public const string JunkName = "Junk";

    public const string JunkUse = @"\Junk";

    /// <summary>The user's folder with the special use (RFC 6154), the oldest if several claim it; null when none does.</summary>
    public static async Task<long?> FindSpecialUseAsync(DbConnection connection, DbTransaction transaction, long userId, string specialUse) =>
        await Statements.ScalarAsync(connection, transaction,
            "SELECT id FROM mailboxes WHERE user_id = @userId AND special_use = @use ORDER BY id LIMIT 1", ("@userId", userId), ("@use", specialUse)).ConfigureAwait(false) as long?;

    /// <summary>The user's own folder of that name (INBOX in any case), or null when there is none.</summary>
    public static async Task<long?> FindByNameAsync(DbConnection connection, DbTransaction transaction, long userId, string name) =>
        await Statements.ScalarAsync(connection, transaction,
            "SELECT id FROM mailboxes WHERE user_id = @userId AND name = @name", ("@userId", userId),
            ("@name", string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" : name)).ConfigureAwait(false) as long?;

    /// <summary>Creates the default folders the user lacks and returns the id of their INBOX.</summary>
    public async Task<long> EnsureInboxAsync(DbConnection connection, DbTransaction transaction, long userId)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // Once per delivered copy: a statement kept prepared on the writer's connection.
        if (await Statements.ScalarAsync(connection, transaction,
            "SELECT id FROM mailboxes WHERE user_id = @userId AND name = 'INBOX'", ("@userId", userId)).ConfigureAwait(false) is long id)
        {
            return id;
        }
        // UIDVALIDITY from the clock: a folder made again after removal never reuses an old value (RFC 3501 §2.3.1.1).
        var validity = time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var (name, use) in DefaultMailboxes)
        {
            await connection.ExecuteAsync("""
                INSERT INTO mailboxes(user_id, name, special_use, uidvalidity, created_at) VALUES (@userId, @name, @use, @validity, @now)
                ON CONFLICT(user_id, name) DO NOTHING;
                INSERT INTO subscriptions(user_id, name) VALUES (@userId, @name) ON CONFLICT DO NOTHING;
                """, new { userId, name, use, validity, now = time.GetUtcNow() }, transaction).ConfigureAwait(false);
        }
        return await connection.ExecuteScalarAsync<long>(
            "SELECT id FROM mailboxes WHERE user_id = @userId AND name = 'INBOX'", new { userId }, transaction).ConfigureAwait(false);
    }

    /// <summary>Adds a message whose blob is stored; returns its UID. Runs in the caller's transaction.</summary>
    /// <param name="seenReader">
    /// Where the folder keeps this writer's \Seen apart (<see cref="MailboxState.SeenReader"/>): a \Seen among the flags
    /// becomes theirs only, and the message is unseen for everyone else.
    /// </param>
    public async Task<long> AppendAsync(DbConnection connection, DbTransaction transaction, long mailboxId, BlobRef blob, DateTimeOffset internalDate, string flags = "", long? seenReader = null)
    {
        if (seenReader is { } reader)
        {
            var seen = MessageFlags.Has(flags, MessageFlags.Seen);
            var added = await AppendAsync(connection, transaction, mailboxId, blob, internalDate, WithSeen(flags, false)).ConfigureAwait(false);
            if (seen)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO private_seen(mailbox_id, user_id, uid, seen, modseq) SELECT mailbox_id, @reader, uid, 1, modseq FROM messages WHERE mailbox_id = @mailboxId AND uid = @added",
                    new { mailboxId, reader, added }, transaction).ConfigureAwait(false);
            }
            return added;
        }
        ArgumentNullException.ThrowIfNull(connection);
        // Once per delivered copy: statements kept prepared on the writer's connection.
        var (uid, modseq) = await Statements.PairAsync(connection, transaction,
            "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1 WHERE id = @mailboxId RETURNING uidnext - 1, highestmodseq",
            ("@mailboxId", mailboxId)).ConfigureAwait(false);
        await Statements.ExecuteAsync(connection, transaction, """
            INSERT INTO messages(mailbox_id, uid, blob_hash, size, internal_date, flags, modseq, saved_at) VALUES (@mailboxId, @uid, @hash, @size, @internalDate, @flags, @modseq, @savedAt)
            """, ("@mailboxId", mailboxId), ("@uid", uid), ("@hash", blob.Hash), ("@size", blob.Size), ("@internalDate", internalDate), ("@flags", flags), ("@modseq", modseq),
            // RFC 8514 §2: the save date is now, for a copy or a move too; the internal date travels with the message.
            ("@savedAt", time.GetUtcNow())).ConfigureAwait(false);
        return uid;
    }

    /// <summary>Bytes the user's messages take, counted once per message as quotas are (RFC 9208 STORAGE).</summary>
    public async Task<long> UsageAsync(DbConnection connection, DbTransaction? transaction, long userId) =>
        await connection.ExecuteScalarAsync<long?>(
            "SELECT SUM(m.size) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = @userId", new { userId }, transaction).ConfigureAwait(false) ?? 0;

    public async Task<IReadOnlyList<Mailbox>> MailboxesAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<Mailbox>(
            "SELECT id, user_id, name, special_use, uidvalidity, uidnext FROM mailboxes WHERE user_id = @userId ORDER BY name", new { userId }).ConfigureAwait(false)).AsList();
    }

    /// <summary>The messages of one of the user's folders, in UID order.</summary>
    public async Task<IReadOnlyList<StoredMessage>> MessagesAsync(string address, string mailbox = "INBOX", CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<StoredMessage>("""
            SELECT m.id, m.mailbox_id, m.uid, m.blob_hash, m.size, m.internal_date, m.flags
            FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id JOIN users u ON u.id = b.user_id
            WHERE u.address = @address AND b.name = @mailbox ORDER BY m.uid
            """, new { address, mailbox }).ConfigureAwait(false)).AsList();
    }

    /// <summary>The oldest queued messages whose body may lack a summary or a text-index entry (migration 10's queue).</summary>
    public async Task<IReadOnlyList<(long Id, string BlobHash)>> QueuedForIndexAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(long, string)>(
            "SELECT q.message_id, m.blob_hash FROM index_queue q JOIN messages m ON m.id = q.message_id ORDER BY q.message_id LIMIT @count",
            new { count }).ConfigureAwait(false)).AsList();
    }

    /// <summary>The bodies of a folder's messages still in the index queue: what a list or search must index before trusting the index.</summary>
    public async Task<IReadOnlyList<string>> QueuedBodiesAsync(long mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>(
            // CROSS JOIN: from the short queue to its messages; the other way SQLite reads the whole folder.
            "SELECT DISTINCT m.blob_hash FROM index_queue q CROSS JOIN messages m ON m.id = q.message_id WHERE m.mailbox_id = @mailboxId",
            new { mailboxId }).ConfigureAwait(false)).AsList();
    }

    /// <summary>Takes messages off the index queue once their bodies are summarized and indexed.</summary>
    public async Task DequeueIndexedAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in messageIds.Chunk(500))
        {
            await connection.ExecuteAsync("DELETE FROM index_queue WHERE message_id IN @chunk", new { chunk }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes these messages from the mailbox in one transaction: all or none (POP3's UPDATE state).
    /// The table's triggers release their blobs; HIGHESTMODSEQ moves and the UIDs are remembered as for an
    /// IMAP expunge, so CONDSTORE/QRESYNC clients notice. Returns how many rows went (fewer if IMAP removed some first).
    /// </summary>
    public Task<int> DeleteMessagesAsync(long mailboxId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            // One statement per UID: a long IN list would pass SQLite's limit on parameters.
            var deleted = new List<long>();
            foreach (var uid in uids)
            {
                if (await connection.ExecuteAsync("DELETE FROM messages WHERE mailbox_id = @mailboxId AND uid = @uid", new { mailboxId, uid }, transaction).ConfigureAwait(false) > 0)
                {
                    deleted.Add(uid);
                }
            }
            if (deleted.Count > 0)
            {
                await RecordExpungedAsync(connection, transaction, mailboxId, deleted).ConfigureAwait(false);
            }
            return deleted.Count;
        }, cancellationToken);
    }
}
