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
    /// <summary>
    /// Appends several messages at once, all or none (MULTIAPPEND, RFC 3502 §3): every blob is fsynced first, then
    /// one transaction checks the quota for their sum and inserts every row, so a failure anywhere stores nothing.
    /// </summary>
    /// <param name="messages">Each message's bytes (opened once, read to the end), flags and internal date.</param>
    /// <param name="seenReader">The writer, where the folder keeps their \Seen apart (<see cref="MailboxState.SeenReader"/>).</param>
    /// <returns>The new UIDs, in the order of <paramref name="messages"/>.</returns>
    /// <exception cref="MailboxException">OVERQUOTA when they do not all fit; nothing is stored.</exception>
    public async Task<IReadOnlyList<long>> AppendMessagesAsync(long mailboxId, long ownerId, long quotaBytes, IReadOnlyList<NewMessage> messages, long? seenReader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        // Cheap check before any bytes are copied: a MULTIAPPEND far over quota never reaches the blob store.
        if (quotaBytes > 0 && messages.All(m => m.Size is not null)
            && await store.UsageAsync(ownerId, cancellationToken).ConfigureAwait(false) + messages.Sum(m => m.Size!.Value) > quotaBytes)
        {
            throw new MailboxException("OVERQUOTA", "Quota exceeded");
        }
        var stored = new List<BlobRef>(messages.Count);
        var uids = new List<long>(messages.Count);
        try
        {
            foreach (var message in messages)
            {
                var content = message.Open();
                await using (content.ConfigureAwait(false))
                {
                    stored.Add(await blobs.StoreAsync(content, cancellationToken).ConfigureAwait(false));
                }
            }
            await commits.RunAsync(async (connection, transaction) =>
            {
                uids.Clear();
                // Inside the transaction, as for one message: racing appends cannot both take the last bytes.
                if (quotaBytes > 0 && await store.UsageAsync(connection, transaction, ownerId).ConfigureAwait(false) + stored.Sum(b => b.Size) > quotaBytes)
                {
                    throw new MailboxException("OVERQUOTA", "Quota exceeded");
                }
                for (var i = 0; i < stored.Count; i++)
                {
                    await BlobStore.RegisterAsync(connection, transaction, stored[i]).ConfigureAwait(false);
                    uids.Add(await store.AppendAsync(connection, transaction, mailboxId, stored[i], messages[i].InternalDate, messages[i].Flags, seenReader).ConfigureAwait(false));
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var blob in stored)
            {
                blobs.Unpin(blob);
            }
        }
        events.Changed(mailboxId);
        return uids;
    }
}

/// <summary>A message for <see cref="MailboxWriter.AppendMessagesAsync"/>: how to read its bytes, its size when known, flags and internal date.</summary>
public sealed record NewMessage(Func<Stream> Open, long? Size, string Flags, DateTimeOffset InternalDate);
