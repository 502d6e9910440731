using System.Runtime.InteropServices;
using Appliance.Storage;

namespace Appliance.Mailstore;

/// <summary>
/// Puts one whole message into a mailbox, as IMAP APPEND and the webmail's Sent and Drafts copies do:
/// the bytes fsynced in the blob store, the row committed with the deliveries finishing at the same
/// time, then open sessions nudged. A class apart from <see cref="MailStore"/> because MailStore owns
/// the SQL; this one joins it to the blob store and the group commit.
/// </summary>
public sealed class MailboxWriter(MailStore store, BlobStore blobs, GroupCommit commits, MailboxEvents events, TimeProvider time)
{
    /// <summary>Appends with the current time as internal date.</summary>
    /// <inheritdoc cref="AppendMessageAsync(long, long, long, ReadOnlyMemory{byte}, string, long?, DateTimeOffset, CancellationToken)"/>
    public Task<long> AppendMessageAsync(long mailboxId, long ownerId, long quotaBytes, ReadOnlyMemory<byte> message, string flags, CancellationToken cancellationToken) =>
        AppendMessageAsync(mailboxId, ownerId, quotaBytes, message, flags, null, time.GetUtcNow(), cancellationToken);

    /// <param name="ownerId">The user whose quota pays for the message: the mailbox's owner, not always the writer (shared folders).</param>
    /// <param name="quotaBytes">That user's quota; 0 means none.</param>
    /// <param name="flags">Flags in <see cref="MessageFlags.Format"/> form.</param>
    /// <param name="seenReader">The writer, where the folder keeps their \Seen apart (<see cref="MailboxState.SeenReader"/>).</param>
    /// <returns>The new message's UID.</returns>
    /// <exception cref="MailboxException">OVERQUOTA (RFC 9208) when the message does not fit; nothing is stored.</exception>
    public async Task<long> AppendMessageAsync(long mailboxId, long ownerId, long quotaBytes, ReadOnlyMemory<byte> message, string flags, long? seenReader, DateTimeOffset internalDate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var content = MemoryMarshal.TryGetArray(message, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(message.ToArray(), writable: false);
        BlobRef blob;
        await using (content.ConfigureAwait(false))
        {
            blob = await blobs.StoreAsync(content, cancellationToken).ConfigureAwait(false);
        }
        long uid = 0;
        try
        {
            await commits.RunAsync(async (connection, transaction) =>
            {
                // Checked inside the transaction: two appends racing for the last bytes cannot both pass.
                if (quotaBytes > 0 && await store.UsageAsync(connection, transaction, ownerId).ConfigureAwait(false) + blob.Size > quotaBytes)
                {
                    throw new MailboxException("OVERQUOTA", "Quota exceeded");
                }
                await BlobStore.RegisterAsync(connection, transaction, blob).ConfigureAwait(false);
                uid = await store.AppendAsync(connection, transaction, mailboxId, blob, internalDate, flags, seenReader).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            blobs.Unpin(blob);
        }
        events.Changed(mailboxId);
        return uid;
    }
}
