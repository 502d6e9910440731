using System.Data.Common;
using System.Globalization;
using Appliance.Storage;
using Dapper;

namespace Appliance.Mailstore;

/// <summary>A mailbox as IMAP sees it when selecting it.</summary>
public sealed class MailboxState
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string? SpecialUse { get; init; }
    public long Uidvalidity { get; init; }
    public long Uidnext { get; init; }
    public long Highestmodseq { get; init; }
    public long RecentUid { get; init; }

    /// <summary>The owner, or null for a public folder.</summary>
    public long? UserId { get; init; }

    /// <summary>Whether readers other than the owner keep their own \Seen here (migration 15; on by default).</summary>
    public bool PrivateSeen { get; init; }

    /// <summary>
    /// The user whose own \Seen this folder shows to <paramref name="userId"/>, or null when they see the message's
    /// \Seen: the owner always does, and everyone does when the folder's per-user \Seen is off.
    /// </summary>
    public long? SeenReader(long userId) => PrivateSeen && UserId != userId ? userId : null;
}

/// <summary>The part of a message row a session keeps in memory: enough for sequence numbers and flags.</summary>
public readonly record struct MessageEntry(long Uid, string Flags, long Modseq);

/// <summary>Why a folder operation was refused; the IMAP layer turns it into NO with a response code.</summary>
public sealed class MailboxException(string code, string message) : Exception(message)
{
    /// <summary>RFC 5530 response code: NONEXISTENT, ALREADYEXISTS, CANNOT, INUSE, OVERQUOTA, LIMIT.</summary>
    public string Code { get; } = code;
}

/// <summary>Folder operations: hierarchy with "/" as separator, INBOX case-insensitive, subscriptions.</summary>
public sealed partial class MailStore
{
    public const char Separator = '/';

    private const string StateColumns = "id, name, special_use, uidvalidity, uidnext, highestmodseq, recent_uid, user_id, private_seen";
    public const int MaxNameLength = 255;

    /// <summary>"inbox", "Inbox" and "INBOX" are one mailbox (RFC 3501 §5.1); other names are case-sensitive.</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return "INBOX";
        }
        if (name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase))
        {
            return "INBOX" + name[5..];
        }
        return name;
    }

    /// <summary>Whether a name may be created: no empty levels, no control characters, not too long.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength
        && !name.Split(Separator).Any(string.IsNullOrEmpty)
        && !name.Any(c => char.IsControl(c) || c is '*' or '%');

    public async Task<MailboxState?> FindMailboxAsync(long userId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<MailboxState>($"""
            SELECT {StateColumns} FROM mailboxes WHERE user_id = @userId AND name = @name
            """, new { userId, name = Normalize(name) }).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes sure a signed-in user has their default folders (users made before mail existed have none).
    /// Read first: a sign-in should not take the database's write lock when there is nothing to write.
    /// </summary>
    public async Task EnsureDefaultsAsync(long userId, CancellationToken cancellationToken = default)
    {
        if (await FindMailboxAsync(userId, "INBOX", cancellationToken).ConfigureAwait(false) is null)
        {
            await database.InTransactionAsync((c, t) => EnsureInboxAsync(c, t, userId), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<string>> SubscriptionsAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>("SELECT name FROM subscriptions WHERE user_id = @userId ORDER BY name", new { userId }).ConfigureAwait(false)).AsList();
    }

    public async Task SetSubscribedAsync(long userId, string name, bool subscribed, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(subscribed
            ? "INSERT INTO subscriptions(user_id, name) VALUES (@userId, @name) ON CONFLICT DO NOTHING"
            : "DELETE FROM subscriptions WHERE user_id = @userId AND name = @name", new { userId, name = Normalize(name) }).ConfigureAwait(false);
        events.FoldersChanged(userId);
    }

    /// <summary>Creates a folder and any missing parents (RFC 3501 §6.3.3); subscribes the ones it makes, as clients expect.</summary>
    public async Task CreateMailboxAsync(long userId, string name, CancellationToken cancellationToken = default)
    {
        name = Normalize(name.TrimEnd(Separator));
        if (!IsValidName(name))
        {
            throw new MailboxException("CANNOT", "Invalid mailbox name");
        }
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mailboxes WHERE user_id = @userId AND name = @name", new { userId, name }, transaction).ConfigureAwait(false) > 0)
            {
                throw new MailboxException("ALREADYEXISTS", "Mailbox already exists");
            }
            var parts = name.Split(Separator);
            for (var i = 1; i <= parts.Length; i++)
            {
                var path = string.Join(Separator, parts.Take(i));
                var created = await connection.ExecuteAsync("""
                    INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (@userId, @path, @validity, @now) ON CONFLICT(user_id, name) DO NOTHING
                    """, new { userId, path, validity = NextUidValidity(), now = time.GetUtcNow() }, transaction).ConfigureAwait(false);
                // Only the levels made now: a parent that was there keeps the subscription state its user gave it.
                if (created > 0)
                {
                    await connection.ExecuteAsync("INSERT INTO subscriptions(user_id, name) VALUES (@userId, @path) ON CONFLICT DO NOTHING",
                        new { userId, path }, transaction).ConfigureAwait(false);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        events.FoldersChanged(userId);
    }

    /// <summary>Deletes a folder and its messages. INBOX cannot go, nor a folder with folders below it.</summary>
    public async Task DeleteMailboxAsync(long userId, string name, CancellationToken cancellationToken = default)
    {
        name = Normalize(name);
        if (name == "INBOX")
        {
            throw new MailboxException("CANNOT", "INBOX cannot be deleted");
        }
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM mailboxes WHERE user_id = @userId AND name = @name", new { userId, name }, transaction).ConfigureAwait(false)
                ?? throw new MailboxException("NONEXISTENT", "No such mailbox");
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mailboxes WHERE user_id = @userId AND substr(name, 1, @length) = @prefix",
                new { userId, prefix = name + Separator, length = name.Length + 1 }, transaction).ConfigureAwait(false) > 0)
            {
                throw new MailboxException("INUSE", "Mailbox has folders below it; delete them first");
            }
            await connection.ExecuteAsync("DELETE FROM mailboxes WHERE id = @id", new { id }, transaction).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        events.FoldersChanged(userId);
    }

    /// <summary>
    /// Renames a folder with the folders below it. Renaming INBOX moves its messages to a new folder and
    /// leaves INBOX empty (RFC 3501 §6.3.5). Subscriptions move with the names; where the new name is still
    /// subscribed from a mailbox deleted earlier (DELETE keeps it, RFC 3501 §6.3.6), the renamed mailbox takes
    /// that subscription over, and the name ends up subscribed once, as in Dovecot. Other users' subscriptions
    /// of the folder (under "Other Users/&lt;owner&gt;/") follow it too: see <see cref="FollowSubscriptionsAsync"/>.
    /// </summary>
    public Task RenameMailboxAsync(long userId, string from, string to, CancellationToken cancellationToken = default) =>
        RenameAsync(userId, Normalize(from), Normalize(to.TrimEnd(Separator)), cancellationToken);

    /// <summary>Renames a public folder with the folders below it; every user's subscriptions of it follow.</summary>
    public Task RenamePublicMailboxAsync(string from, string to, CancellationToken cancellationToken = default) =>
        RenameAsync(null, from, to.TrimEnd(Separator), cancellationToken);

    private async Task RenameAsync(long? userId, string from, string to, CancellationToken cancellationToken)
    {
        if (!IsValidName(to) || (userId is not null && to == "INBOX"))
        {
            throw new MailboxException("CANNOT", "Invalid mailbox name");
        }
        if (to.StartsWith(from + Separator, StringComparison.Ordinal))
        {
            throw new MailboxException("CANNOT", "A mailbox cannot move below itself");
        }
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            // "IS": a public folder's owner is NULL, which "=" never matches.
            var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM mailboxes WHERE user_id IS @userId AND name = @from", new { userId, from }, transaction).ConfigureAwait(false)
                ?? throw new MailboxException("NONEXISTENT", "No such mailbox");
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mailboxes WHERE user_id IS @userId AND name = @to", new { userId, to }, transaction).ConfigureAwait(false) > 0)
            {
                throw new MailboxException("ALREADYEXISTS", "Mailbox already exists");
            }
            if (userId is not null && from == "INBOX")
            {
                await connection.ExecuteAsync("""
                    INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (@userId, @to, @validity, @now);
                    """, new { userId, to, validity = NextUidValidity(), now = time.GetUtcNow() }, transaction).ConfigureAwait(false);
                var target = await connection.ExecuteScalarAsync<long>("SELECT id FROM mailboxes WHERE user_id = @userId AND name = @to", new { userId, to }, transaction).ConfigureAwait(false);
                // Same UIDs in a new folder (its UIDVALIDITY is new, so that is allowed).
                await connection.ExecuteAsync("""
                    UPDATE mailboxes SET uidnext = (SELECT uidnext FROM mailboxes WHERE id = @id) WHERE id = @target;
                    UPDATE messages SET mailbox_id = @target WHERE mailbox_id = @id;
                    UPDATE private_seen SET mailbox_id = @target WHERE mailbox_id = @id;
                    """, new { id, target }, transaction).ConfigureAwait(false);
                return;
            }
            await connection.ExecuteAsync("""
                UPDATE mailboxes SET name = @to || substr(name, @length + 1)
                WHERE user_id IS @userId AND (name = @from OR substr(name, 1, @length + 1) = @from || '/');
                """, new { userId, from, to, length = from.Length }, transaction).ConfigureAwait(false);
            if (userId is not null)
            {
                await connection.ExecuteAsync("""
                    DELETE FROM subscriptions
                    WHERE user_id = @userId AND (name = @from OR substr(name, 1, @length + 1) = @from || '/')
                      AND @to || substr(name, @length + 1) IN (SELECT name FROM subscriptions WHERE user_id = @userId);
                    UPDATE subscriptions SET name = @to || substr(name, @length + 1)
                    WHERE user_id = @userId AND (name = @from OR substr(name, 1, @length + 1) = @from || '/');
                    """, new { userId, from, to, length = from.Length }, transaction).ConfigureAwait(false);
            }
            await FollowSubscriptionsAsync(connection, transaction, userId, from, to).ConfigureAwait(false);
            // Parents of the new name that do not exist yet.
            var parts = to.Split(Separator);
            for (var i = 1; i < parts.Length; i++)
            {
                await connection.ExecuteAsync(userId is null
                    ? "INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (NULL, @path, @validity, @now) ON CONFLICT DO NOTHING"
                    : "INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (@userId, @path, @validity, @now) ON CONFLICT(user_id, name) DO NOTHING",
                    new { userId, path = string.Join(Separator, parts.Take(i)), validity = NextUidValidity(), now = time.GetUtcNow() }, transaction).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        events.FoldersChanged(userId);
    }

    /// <summary>
    /// Other users' subscriptions of a renamed folder (and those below it) take the new name: a rename keeps the folder,
    /// and the subscription names the folder its user chose. RFC 3501 §6.3.6 forbids removing a subscription unilaterally;
    /// this moves it, and where the new name was subscribed already the two become one.
    /// </summary>
    private static async Task FollowSubscriptionsAsync(DbConnection connection, DbTransaction transaction, long? ownerId, string from, string to)
    {
        string prefix;
        if (ownerId is null)
        {
            prefix = FolderResolver.SharedFolders + "/";
        }
        else
        {
            var owner = await connection.ExecuteScalarAsync<string?>("SELECT address FROM users WHERE id = @ownerId", new { ownerId }, transaction).ConfigureAwait(false);
            if (owner is null)
            {
                return;
            }
            prefix = FolderResolver.OtherUsers + "/" + owner.ToLowerInvariant() + "/";
        }
        var oldName = prefix + from;
        await connection.ExecuteAsync("""
            DELETE FROM subscriptions
            WHERE (name = @oldName OR substr(name, 1, @length + 1) = @oldName || '/')
              AND @newName || substr(name, @length + 1) IN (SELECT t.name FROM subscriptions t WHERE t.user_id = subscriptions.user_id);
            UPDATE subscriptions SET name = @newName || substr(name, @length + 1)
            WHERE name = @oldName OR substr(name, 1, @length + 1) = @oldName || '/';
            """, new { oldName, newName = prefix + to, length = oldName.Length }, transaction).ConfigureAwait(false);
    }

    private long _lastValidity;

    /// <summary>
    /// UIDVALIDITY from the clock, strictly increasing within the process: a folder made again after
    /// removal, or two made in the same second, never share a value (RFC 3501 §2.3.1.1).
    /// </summary>
    private long NextUidValidity()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        long last, next;
        do
        {
            last = Interlocked.Read(ref _lastValidity);
            next = Math.Max(now, last + 1);
        }
        while (Interlocked.CompareExchange(ref _lastValidity, next, last) != last);
        return next;
    }

    /// <summary>Bytes all of the user's messages take.</summary>
    public async Task<long> UsageAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await UsageAsync(connection, null, userId).ConfigureAwait(false);
    }

    /// <summary>Octets the folder's messages take (RFC 8438 STATUS SIZE).</summary>
    public async Task<long> SizeAsync(long mailboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>("SELECT SUM(size) FROM messages WHERE mailbox_id = @mailboxId", new { mailboxId }).ConfigureAwait(false) ?? 0;
    }

    /// <summary>UID, flags and modification sequence of every message in a folder, in UID order.</summary>
    /// <remarks>
    /// Read with typed getters rather than Dapper: SELECT of a 100,000-message folder reads all of them, and
    /// Dapper's boxed <c>GetValue</c> makes several native calls a column (each a SafeHandle reference count and
    /// an SQLite mutex), which were 40% of SELECT's CPU.
    /// </remarks>
    /// <param name="seenReader">The user whose own \Seen to show (<see cref="MailboxState.SeenReader"/>), or null for the message's.</param>
    public async Task<IReadOnlyList<MessageEntry>> EntriesAsync(long mailboxId, long? seenReader, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = seenReader is null
            ? "SELECT uid, flags, modseq FROM messages WHERE mailbox_id = $mailboxId ORDER BY uid"
            : "SELECT m.uid, m.flags, m.modseq, p.seen, p.modseq FROM messages m " + PrivateSeenJoin + " WHERE m.mailbox_id = $mailboxId ORDER BY m.uid";
        command.Parameters.AddWithValue("$mailboxId", mailboxId);
        if (seenReader is { } readerId)
        {
            command.Parameters.AddWithValue("$reader", readerId);
        }
        var entries = new List<MessageEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = new MessageEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2));
            entries.Add(seenReader is null ? entry : AsSeenBy(entry, reader.IsDBNull(3) ? null : reader.GetInt64(3) != 0, reader.IsDBNull(4) ? 0 : reader.GetInt64(4)));
        }
        return entries;
    }

    public async Task<MailboxState?> MailboxStateAsync(long mailboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<MailboxState>(
            $"SELECT {StateColumns} FROM mailboxes WHERE id = @mailboxId", new { mailboxId }).ConfigureAwait(false);
    }

    /// <summary>Marks everything up to now as seen by a read-write session; returns the first UID that was still recent.</summary>
    public Task<long> TakeRecentAsync(long mailboxId, CancellationToken cancellationToken = default) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var first = await connection.ExecuteScalarAsync<long>("SELECT recent_uid FROM mailboxes WHERE id = @mailboxId", new { mailboxId }, transaction).ConfigureAwait(false);
            await connection.ExecuteAsync("UPDATE mailboxes SET recent_uid = uidnext WHERE id = @mailboxId", new { mailboxId }, transaction).ConfigureAwait(false);
            return first;
        }, cancellationToken);

    /// <summary>Full rows for the given UIDs of a folder, in UID order.</summary>
    /// <remarks>
    /// The UIDs go in as one JSON array read by <c>json_each</c>, not as Dapper's <c>IN @list</c>: that expands
    /// to one named parameter per UID, and SQLite finds each name by a linear scan of all of them, so binding
    /// 500 UIDs cost 125,000 string compares, 40% of the CPU of a FETCH 1:1000 ENVELOPE.
    /// </remarks>
    /// <param name="seenReader">The user whose own \Seen to show (<see cref="MailboxState.SeenReader"/>), or null for the message's.</param>
    public async Task<IReadOnlyList<StoredMessage>> MessagesByUidAsync(long mailboxId, IReadOnlyCollection<long> uids, long? seenReader = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        if (uids.Count == 0)
        {
            return [];
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var list = "[" + string.Join(',', uids.Select(u => u.ToString(CultureInfo.InvariantCulture))) + "]";
        var rows = await connection.QueryAsync<StoredMessage>(
            "SELECT id, mailbox_id, uid, blob_hash, size, internal_date, flags, modseq, saved_at FROM messages WHERE mailbox_id = @mailboxId AND uid IN (SELECT value FROM json_each(@list)) ORDER BY uid",
            new { mailboxId, list }).ConfigureAwait(false);
        return seenReader is { } reader ? await AsSeenByAsync(connection, null, mailboxId, reader, rows.AsList()).ConfigureAwait(false) : rows.AsList();
    }

    /// <summary>
    /// Adds, removes or replaces flags of messages; each message that changes takes the folder's next
    /// modification sequence. Returns the messages that changed, with their new flags.
    /// </summary>
    /// <param name="seenReader">
    /// The user whose own \Seen this folder keeps (<see cref="MailboxState.SeenReader"/>): \Seen changes go to their row
    /// in <c>private_seen</c> and every other flag to the message; the returned flags are as that user sees them.
    /// </param>
    public async Task<IReadOnlyList<MessageEntry>> StoreFlagsAsync(long mailboxId, IReadOnlyCollection<long> uids, char mode, IReadOnlyList<string> flags, long? seenReader, CancellationToken cancellationToken = default)
    {
        if (seenReader is { } reader)
        {
            return await StorePrivateFlagsAsync(mailboxId, uids, mode, flags, reader, cancellationToken).ConfigureAwait(false);
        }
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var changed = new List<MessageEntry>();
            foreach (var chunk in uids.Order().Chunk(500))
            {
                var rows = await connection.QueryAsync<MessageEntry>("SELECT uid, flags, modseq FROM messages WHERE mailbox_id = @mailboxId AND uid IN @chunk ORDER BY uid",
                    new { mailboxId, chunk }, transaction).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    var current = MessageFlags.Parse(row.Flags);
                    var next = mode switch
                    {
                        '+' => MessageFlags.Format(current.Concat(flags)),
                        '-' => MessageFlags.Format(current.Where(f => !flags.Contains(f, StringComparer.OrdinalIgnoreCase))),
                        _ => MessageFlags.Format(flags),
                    };
                    if (next == row.Flags)
                    {
                        continue;
                    }
                    var modseq = await connection.ExecuteScalarAsync<long>(
                        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = @mailboxId RETURNING highestmodseq", new { mailboxId }, transaction).ConfigureAwait(false);
                    await connection.ExecuteAsync("UPDATE messages SET flags = @next, modseq = @modseq WHERE mailbox_id = @mailboxId AND uid = @uid",
                        new { next, modseq, mailboxId, uid = row.Uid }, transaction).ConfigureAwait(false);
                    changed.Add(new MessageEntry(row.Uid, next, modseq));
                }
            }
            return (IReadOnlyList<MessageEntry>)changed;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the messages marked \Deleted (only those in <paramref name="only"/> when given); returns their UIDs.</summary>
    public async Task<IReadOnlyList<long>> ExpungeAsync(long mailboxId, IReadOnlyCollection<long>? only = null, CancellationToken cancellationToken = default)
    {
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var deleted = (await connection.QueryAsync<(long Uid, string Flags)>("SELECT uid, flags FROM messages WHERE mailbox_id = @mailboxId AND flags LIKE '%\\Deleted%' ORDER BY uid",
                new { mailboxId }, transaction).ConfigureAwait(false))
                .Where(r => MessageFlags.Has(r.Flags, MessageFlags.Deleted) && (only is null || only.Contains(r.Uid)))
                .Select(r => r.Uid).ToList();
            await RemoveAsync(connection, transaction, mailboxId, deleted).ConfigureAwait(false);
            return (IReadOnlyList<long>)deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveAsync(DbConnection connection, DbTransaction transaction, long mailboxId, IReadOnlyCollection<long> uids)
    {
        if (uids.Count == 0)
        {
            return;
        }
        foreach (var chunk in uids.Chunk(500))
        {
            await connection.ExecuteAsync("DELETE FROM messages WHERE mailbox_id = @mailboxId AND uid IN @chunk", new { mailboxId, chunk }, transaction).ConfigureAwait(false);
        }
        await RecordExpungedAsync(connection, transaction, mailboxId, uids).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies messages to another folder of the same user (new UIDs there, same blobs, flags kept);
    /// with <paramref name="move"/> also removes them from the source, atomically (RFC 6851).
    /// Returns the pairs (source UID, target UID) for COPYUID (RFC 4315).
    /// </summary>
    /// <param name="userId">Whose quota the copies count against (the target's owner).</param>
    /// <param name="seenReaders">
    /// The copier's <see cref="MailboxState.SeenReader"/> in the source and in the target: the copy takes the \Seen the
    /// copier saw, kept as the copier's own where the target keeps readers' \Seen apart.
    /// </param>
    public async Task<IReadOnlyList<(long From, long To)>> CopyAsync(long fromMailbox, IReadOnlyCollection<long> uids, long toMailbox, bool move, long quotaBytes, long userId,
        (long? From, long? To) seenReaders = default, CancellationToken cancellationToken = default)
    {
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = new List<StoredMessage>();
            foreach (var chunk in uids.Order().Chunk(500))
            {
                rows.AddRange(await connection.QueryAsync<StoredMessage>(
                    "SELECT id, mailbox_id, uid, blob_hash, size, internal_date, flags FROM messages WHERE mailbox_id = @fromMailbox AND uid IN @chunk ORDER BY uid",
                    new { fromMailbox, chunk }, transaction).ConfigureAwait(false));
            }
            if (seenReaders.From is { } reader)
            {
                rows = [.. await AsSeenByAsync(connection, transaction, fromMailbox, reader, rows).ConfigureAwait(false)];
            }
            if (!move && quotaBytes > 0 && await UsageAsync(connection, transaction, userId).ConfigureAwait(false) + rows.Sum(r => r.Size) > quotaBytes)
            {
                throw new MailboxException("OVERQUOTA", "Quota exceeded");
            }
            var pairs = new List<(long, long)>(rows.Count);
            foreach (var row in rows)
            {
                var uid = await AppendAsync(connection, transaction, toMailbox, new BlobRef(row.BlobHash, row.Size), row.InternalDate, row.Flags, seenReaders.To).ConfigureAwait(false);
                pairs.Add((row.Uid, uid));
            }
            if (move)
            {
                await RemoveAsync(connection, transaction, fromMailbox, rows.Select(r => r.Uid).ToList()).ConfigureAwait(false);
            }
            return (IReadOnlyList<(long, long)>)pairs;
        }, cancellationToken).ConfigureAwait(false);
    }
}
