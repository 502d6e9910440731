using System.Data.Common;
using System.Globalization;
using Dapper;

namespace Appliance.Mailstore;

/// <summary>Whose \Seen a list shows: <paramref name="Reader"/>'s own in <paramref name="PrivateMailboxes"/>, the messages' elsewhere.</summary>
public sealed record SeenView(long Reader, IReadOnlyCollection<long> PrivateMailboxes)
{
    /// <summary>The view of one folder by a user, or null when they see the messages' own \Seen there.</summary>
    public static SeenView? Of(MailboxState state, long userId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.SeenReader(userId) is { } reader ? new SeenView(reader, [state.Id]) : null;
    }
}

/// <summary>
/// Per-user \Seen on shared and public folders (migration 15). A folder with <c>private_seen</c> on keeps the \Seen of
/// every reader but its owner in <c>private_seen</c>: one reader's reading does not mark the message read for the
/// others. The owner's \Seen is the message's own flag, so their folder behaves for them (and for POP3) as before.
/// Every other flag stays shared. A reader's \Seen change takes the folder's next mod-sequence, stored with their row:
/// their CONDSTORE clients hear of it, while the others' messages keep their mod-sequences (RFC 7162 §3.1 lets
/// HIGHESTMODSEQ move without a change they can see, as it does for an expunge).
/// </summary>
public sealed partial class MailStore
{
    /// <summary>The reader's row for each message; <c>$reader</c> is the user.</summary>
    private const string PrivateSeenJoin = "LEFT JOIN private_seen p ON p.mailbox_id = m.mailbox_id AND p.user_id = $reader AND p.uid = m.uid";

    /// <summary>Turns per-user \Seen of a folder on or off; the readers' rows are kept, so turning it back on restores them.</summary>
    public async Task SetPrivateSeenAsync(long mailboxId, bool on, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE mailboxes SET private_seen = @on WHERE id = @mailboxId", new { mailboxId, on }).ConfigureAwait(false);
    }

    /// <summary>The flags with \Seen set or cleared, in stored form.</summary>
    public static string WithSeen(string flags, bool seen)
    {
        ArgumentNullException.ThrowIfNull(flags);
        if (MessageFlags.Has(flags, MessageFlags.Seen) == seen)
        {
            return flags;
        }
        var others = MessageFlags.Parse(flags).Where(f => !string.Equals(f, MessageFlags.Seen, StringComparison.OrdinalIgnoreCase));
        return MessageFlags.Format(seen ? others.Append(MessageFlags.Seen) : others);
    }

    /// <summary>A message as a reader sees it: their own \Seen, and the later of its and their row's mod-sequence.</summary>
    private static MessageEntry AsSeenBy(MessageEntry entry, bool? seen, long seenModseq) =>
        new(entry.Uid, WithSeen(entry.Flags, seen == true), Math.Max(entry.Modseq, seenModseq));

    private static async Task<IReadOnlyList<StoredMessage>> AsSeenByAsync(DbConnection connection, DbTransaction? transaction, long mailboxId, long reader, IReadOnlyList<StoredMessage> rows)
    {
        if (rows.Count == 0)
        {
            return rows;
        }
        var list = "[" + string.Join(',', rows.Select(r => r.Uid.ToString(CultureInfo.InvariantCulture))) + "]";
        var own = (await connection.QueryAsync<(long Uid, long Seen, long Modseq)>(
            "SELECT uid, seen, modseq FROM private_seen WHERE mailbox_id = @mailboxId AND user_id = @reader AND uid IN (SELECT value FROM json_each(@list))",
            new { mailboxId, reader, list }, transaction).ConfigureAwait(false)).ToDictionary(r => r.Uid);
        return [.. rows.Select(r =>
        {
            var found = own.TryGetValue(r.Uid, out var p);
            var seen = AsSeenBy(new MessageEntry(r.Uid, r.Flags, r.Modseq), found ? p.Seen != 0 : null, found ? p.Modseq : 0);
            return new StoredMessage
            {
                Id = r.Id, MailboxId = r.MailboxId, Uid = r.Uid, BlobHash = r.BlobHash, Size = r.Size, InternalDate = r.InternalDate,
                Flags = seen.Flags, Modseq = seen.Modseq,
            };
        })];
    }

    /// <summary>STORE for a reader with their own \Seen: \Seen to their row, the other flags to the message, one mod-sequence for both.</summary>
    private Task<IReadOnlyList<MessageEntry>> StorePrivateFlagsAsync(long mailboxId, IReadOnlyCollection<long> uids, char mode, IReadOnlyList<string> flags, long reader, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var changed = new List<MessageEntry>();
            foreach (var chunk in uids.Order().Chunk(500))
            {
                var rows = await connection.QueryAsync<(long Uid, string Flags, long Modseq, long? Seen)>(
                    "SELECT m.uid, m.flags, m.modseq, p.seen FROM messages m " + PrivateSeenJoin.Replace('$', '@') + " WHERE m.mailbox_id = @mailboxId AND m.uid IN @chunk ORDER BY m.uid",
                    new { mailboxId, chunk, reader }, transaction).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    var seen = row.Seen is 1;
                    var view = WithSeen(row.Flags, seen);
                    var next = mode switch
                    {
                        '+' => MessageFlags.Format(MessageFlags.Parse(view).Concat(flags)),
                        '-' => MessageFlags.Format(MessageFlags.Parse(view).Where(f => !flags.Contains(f, StringComparer.OrdinalIgnoreCase))),
                        _ => MessageFlags.Format(flags),
                    };
                    if (next == view)
                    {
                        continue;
                    }
                    var modseq = await connection.ExecuteScalarAsync<long>(
                        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = @mailboxId RETURNING highestmodseq", new { mailboxId }, transaction).ConfigureAwait(false);
                    // The message keeps the \Seen it had (its owner's); only the reader's row takes theirs.
                    var shared = WithSeen(next, MessageFlags.Has(row.Flags, MessageFlags.Seen));
                    if (shared != row.Flags)
                    {
                        await connection.ExecuteAsync("UPDATE messages SET flags = @shared, modseq = @modseq WHERE mailbox_id = @mailboxId AND uid = @uid",
                            new { shared, modseq, mailboxId, uid = row.Uid }, transaction).ConfigureAwait(false);
                    }
                    var nextSeen = MessageFlags.Has(next, MessageFlags.Seen);
                    if (nextSeen != seen)
                    {
                        await connection.ExecuteAsync("""
                            INSERT INTO private_seen(mailbox_id, user_id, uid, seen, modseq) VALUES (@mailboxId, @reader, @uid, @nextSeen, @modseq)
                            ON CONFLICT DO UPDATE SET seen = excluded.seen, modseq = excluded.modseq
                            """, new { mailboxId, reader, uid = row.Uid, nextSeen, modseq }, transaction).ConfigureAwait(false);
                    }
                    changed.Add(new MessageEntry(row.Uid, next, modseq));
                }
            }
            return (IReadOnlyList<MessageEntry>)changed;
        }, cancellationToken);
}
