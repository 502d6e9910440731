using Dapper;

namespace Appliance.Mailstore;

/// <summary>One annotation (RFC 5464): its lower-case name with the /private or /shared prefix, and its value.</summary>
public sealed record MetadataEntry(string Name, byte[] Value);

/// <summary>One change of a SETMETADATA: a new value, or null to remove the entry.</summary>
public sealed record MetadataChange(string Name, byte[]? Value);

/// <summary>What one user may keep: entries per mailbox (as they see it) and value bytes in all.</summary>
public sealed record MetadataLimits(int MaxEntriesPerMailbox, long MaxBytesPerUser);

/// <summary>
/// IMAP METADATA (RFC 5464) in the <c>metadata</c> table: entries of the server (no mailbox) or of a mailbox. A
/// /shared/ entry is one for everyone who may see it; a /private/ entry is the user's own (§3.3), so two users
/// annotating the same shared folder never see each other's private entries. Entries go with their mailbox
/// (foreign key) and keep its id through RENAME.
/// </summary>
public sealed partial class MailStore
{
    public const string PrivatePrefix = "/private";
    public const string SharedPrefix = "/shared";

    /// <summary>Every entry of the mailbox (null: the server) that <paramref name="userId"/> sees: the shared ones and their own private ones.</summary>
    public async Task<IReadOnlyList<MetadataEntry>> MetadataAsync(long? mailboxId, long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Name, byte[] Value)>("""
            SELECT name, value FROM metadata
            WHERE ifnull(mailbox_id, 0) = ifnull(@mailboxId, 0) AND ((user_id IS NULL AND name LIKE '/shared/%') OR (user_id = @userId AND name LIKE '/private/%'))
            ORDER BY name
            """, new { mailboxId, userId }).ConfigureAwait(false);
        return [.. rows.Select(r => new MetadataEntry(r.Name, r.Value))];
    }

    /// <summary>
    /// Applies a SETMETADATA's changes all together or none of them (RFC 5464 §4.3): a value sets its entry,
    /// null removes it. Checked inside the transaction, so two sessions racing for the last entry cannot both pass.
    /// </summary>
    /// <exception cref="MailboxException">
    /// <c>METADATA TOOMANY</c> past <see cref="MetadataLimits.MaxEntriesPerMailbox"/>; <c>OVERQUOTA</c> past
    /// <see cref="MetadataLimits.MaxBytesPerUser"/> (RFC 5530). Nothing is changed.
    /// </exception>
    public async Task SetMetadataAsync(long? mailboxId, long userId, IReadOnlyList<MetadataChange> changes, MetadataLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(limits);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var change in changes)
            {
                long? owner = change.Name.StartsWith(PrivatePrefix + "/", StringComparison.Ordinal) ? userId : null;
                var key = new { mailboxId, owner, name = change.Name };
                await connection.ExecuteAsync(
                    "DELETE FROM metadata WHERE ifnull(mailbox_id, 0) = ifnull(@mailboxId, 0) AND ifnull(user_id, 0) = ifnull(@owner, 0) AND name = @name",
                    key, transaction).ConfigureAwait(false);
                if (change.Value is { } value)
                {
                    await connection.ExecuteAsync("INSERT INTO metadata(mailbox_id, user_id, name, value, set_by) VALUES (@mailboxId, @owner, @name, @value, @userId)",
                        new { mailboxId, owner, name = change.Name, value, userId }, transaction).ConfigureAwait(false);
                }
            }
            if (changes.All(c => c.Value is null))
            {
                return;
            }
            var entries = await connection.ExecuteScalarAsync<long>("""
                SELECT COUNT(*) FROM metadata WHERE ifnull(mailbox_id, 0) = ifnull(@mailboxId, 0) AND (user_id IS NULL OR user_id = @userId)
                """, new { mailboxId, userId }, transaction).ConfigureAwait(false);
            if (entries > limits.MaxEntriesPerMailbox)
            {
                throw new MailboxException("METADATA TOOMANY", $"At most {limits.MaxEntriesPerMailbox} entries per mailbox");
            }
            var bytes = await connection.ExecuteScalarAsync<long?>("SELECT SUM(length(value)) FROM metadata WHERE set_by = @userId", new { userId }, transaction).ConfigureAwait(false) ?? 0;
            if (bytes > limits.MaxBytesPerUser)
            {
                throw new MailboxException("OVERQUOTA", $"Annotations would take more than {limits.MaxBytesPerUser} octets");
            }
        }, cancellationToken).ConfigureAwait(false);
        events.MetadataChanged(mailboxId, userId, [.. changes.Select(c => c.Name).Distinct()]);
    }

    /// <summary>How many messages a folder holds and how many of them lack \Seen: what IMAP NOTIFY's STATUS answers need, without reading every row.</summary>
    public async Task<(long Messages, long Unseen)> CountsAsync(long mailboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Keywords never begin with a backslash, so the substring finds exactly the system flag.
        return await connection.QuerySingleAsync<(long, long)>(
            "SELECT COUNT(*), ifnull(SUM(flags NOT LIKE '%\\Seen%'), 0) FROM messages WHERE mailbox_id = @mailboxId", new { mailboxId }).ConfigureAwait(false);
    }
}
