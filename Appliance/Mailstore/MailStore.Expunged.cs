using System.Data.Common;
using System.Globalization;
using Appliance.Storage;
using Dapper;

namespace Appliance.Mailstore;

/// <summary>
/// The UIDs expunged since a mod-sequence (RFC 7162 §3.2.5). <paramref name="Complete"/> is false when the retention has
/// pruned records newer than the mod-sequence asked about, or the folder predates the table: then more UIDs may have
/// gone than are listed, and a QRESYNC answer must name every UID it cannot show to exist.
/// </summary>
public sealed record ExpungedSince(IReadOnlyList<long> Uids, bool Complete);

public sealed partial class MailStore
{
    /// <summary>
    /// Every path that removes message rows ends here, inside its own transaction: the mailbox takes its next mod-sequence,
    /// and the UIDs are remembered with it (RFC 7162 §3.2: "the server MUST associate the incremented mod-sequence with the
    /// UIDs of the expunged messages"). Records older than the retention are pruned from this mailbox at the same time,
    /// and the mod-sequence below which the record is incomplete moves up with them.
    /// </summary>
    private async Task RecordExpungedAsync(DbConnection connection, DbTransaction transaction, long mailboxId, IReadOnlyCollection<long> uids)
    {
        var modseq = await connection.ExecuteScalarAsync<long>(
            "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = @mailboxId RETURNING highestmodseq", new { mailboxId }, transaction).ConfigureAwait(false);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var list = "[" + string.Join(',', uids.Select(u => u.ToString(CultureInfo.InvariantCulture))) + "]";
        await connection.ExecuteAsync(
            "INSERT OR REPLACE INTO expunged_uids(mailbox_id, uid, modseq, expunged_at) SELECT @mailboxId, value, @modseq, @now FROM json_each(@list)",
            new { mailboxId, modseq, now, list }, transaction).ConfigureAwait(false);
        var cutoff = now - (long)options.Value.ExpungedUidRetentionDays * 24 * 3600;
        // Mod-sequences grow with time, so the oldest record decides whether anything is due; usually nothing is.
        var oldest = await connection.ExecuteScalarAsync<long?>(
            "SELECT expunged_at FROM expunged_uids WHERE mailbox_id = @mailboxId ORDER BY modseq LIMIT 1", new { mailboxId }, transaction).ConfigureAwait(false);
        if (oldest is { } at && at < cutoff)
        {
            var pruned = await connection.ExecuteScalarAsync<long>(
                "SELECT MAX(modseq) FROM expunged_uids WHERE mailbox_id = @mailboxId AND expunged_at < @cutoff", new { mailboxId, cutoff }, transaction).ConfigureAwait(false);
            await connection.ExecuteAsync("DELETE FROM expunged_uids WHERE mailbox_id = @mailboxId AND modseq <= @pruned", new { mailboxId, pruned }, transaction).ConfigureAwait(false);
            await connection.ExecuteAsync("UPDATE mailboxes SET expunges_known_after = MAX(expunges_known_after, @pruned) WHERE id = @mailboxId",
                new { mailboxId, pruned }, transaction).ConfigureAwait(false);
        }
    }

    /// <summary>The UIDs of this mailbox expunged with a mod-sequence above <paramref name="modseq"/>, in UID order.</summary>
    public async Task<ExpungedSince> ExpungedSinceAsync(long mailboxId, long modseq, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var knownAfter = await connection.ExecuteScalarAsync<long>(
            "SELECT expunges_known_after FROM mailboxes WHERE id = @mailboxId", new { mailboxId }).ConfigureAwait(false);
        var uids = (await connection.QueryAsync<long>(
            "SELECT uid FROM expunged_uids WHERE mailbox_id = @mailboxId AND modseq > @modseq ORDER BY uid", new { mailboxId, modseq }).ConfigureAwait(false)).AsList();
        return new ExpungedSince(uids, modseq >= knownAfter);
    }

    /// <summary>The lowest mod-sequence among these expunged UIDs, or null when none is remembered.</summary>
    public async Task<long?> LowestExpungeModseqAsync(long mailboxId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var list = "[" + string.Join(',', uids.Select(u => u.ToString(CultureInfo.InvariantCulture))) + "]";
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT MIN(modseq) FROM expunged_uids WHERE mailbox_id = @mailboxId AND uid IN (SELECT value FROM json_each(@list))", new { mailboxId, list }).ConfigureAwait(false);
    }

    /// <summary>UID, flags and mod-sequence of the messages changed (or added) after <paramref name="modseq"/>, in UID order.</summary>
    /// <param name="seenReader">The user whose own \Seen to show (<see cref="MailboxState.SeenReader"/>): their \Seen changes count too.</param>
    public async Task<IReadOnlyList<MessageEntry>> ChangedSinceAsync(long mailboxId, long modseq, long? seenReader, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (seenReader is { } reader)
        {
            var rows = await connection.QueryAsync<(long Uid, string Flags, long Modseq, long? Seen, long? SeenModseq)>(
                "SELECT m.uid, m.flags, m.modseq, p.seen, p.modseq FROM messages m " + PrivateSeenJoin.Replace('$', '@') +
                " WHERE m.mailbox_id = @mailboxId AND (m.modseq > @modseq OR p.modseq > @modseq) ORDER BY m.uid",
                new { mailboxId, modseq, reader }).ConfigureAwait(false);
            return [.. rows.Select(r => AsSeenBy(new MessageEntry(r.Uid, r.Flags, r.Modseq), r.Seen is { } seen ? seen != 0 : null, r.SeenModseq ?? 0))];
        }
        return (await connection.QueryAsync<MessageEntry>(
            "SELECT uid, flags, modseq FROM messages WHERE mailbox_id = @mailboxId AND modseq > @modseq ORDER BY uid", new { mailboxId, modseq }).ConfigureAwait(false)).AsList();
    }
}
