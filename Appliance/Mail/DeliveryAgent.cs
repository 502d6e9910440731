using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Appliance.Filtering;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Junk;
using Appliance.Mailstore;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.Logging;

namespace Appliance.Mail;

/// <summary>Where a message came from, for its Received header (RFC 5321 §4.4).</summary>
public sealed record TraceInfo(string Helo, IPAddress? ClientAddress, string? ClientName, string Protocol, string? AuthenticatedAs);

/// <param name="Inspection">What the checks at DATA decided (<see cref="MessageInspector"/>); null for mail the server makes itself.</param>
public sealed record Envelope(string Sender, IReadOnlyList<ResolvedRecipient> Recipients, TraceInfo Trace, Inspection? Inspection = null);

/// <summary>
/// Takes a received message from the SMTP session and makes it durable: local recipients get it in
/// their INBOX (stored once, however many they are), outside recipients get a queue entry. It returns
/// only after the blob is fsynced and the rows are committed, which is what lets SMTP answer 250.
/// </summary>
public sealed partial class DeliveryAgent(
    Database database,
    GroupCommit commits,
    BlobStore blobs,
    MailStore store,
    MailboxEvents events,
    OutboundQueue queue,
    MessageLog log,
    QuarantineNotices notices,
    DkimSigning dkim,
    Filtering.Disclaimers.DisclaimerAppender disclaimers,
    SieveDelivery sieve,
    JunkPolicy junkPolicy,
    SettingsRepository settings,
    TimeProvider time,
    ILogger<DeliveryAgent> logger)
{
    /// <summary>How stale the host name in Received headers may be when another process changed it: read per message, it cost a database open each.</summary>
    internal static readonly TimeSpan HostNameMaxAge = TimeSpan.FromSeconds(10);

    /// <summary>Whether the user's mailbox is full: their messages already take their whole quota.</summary>
    public async Task<bool> IsOverQuotaAsync(LocalMailbox mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        if (mailbox.QuotaBytes <= 0)
        {
            return false;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await store.UsageAsync(connection, null, mailbox.UserId).ConfigureAwait(false) >= mailbox.QuotaBytes;
    }

    /// <param name="open">Opens the message as received (dot-unstuffed), from its start; called once per copy.</param>
    /// <returns>The id the Received header and the logs carry.</returns>
    public async Task<string> AcceptAsync(Envelope envelope, Func<Stream> open, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(open);
        var id = NewId();
        var host = await settings.GetRecentAsync(SettingKeys.HostName, HostNameMaxAge, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var locals = envelope.Recipients.SelectMany(r => r.Local).DistinctBy(m => m.UserId).ToList();
        var remotes = envelope.Recipients.SelectMany(r => r.Remote).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var single = envelope.Recipients.Count == 1 ? envelope.Recipients[0].Address : null;
        var received = Received(envelope.Trace, host, id, single, time.GetUtcNow());
        var inspection = envelope.Inspection ?? Inspection.Unfiltered;
        // A hold by score alone is each recipient's to decide below, unless copies go elsewhere too (they are held with it).
        var held = inspection.Disposition == Disposition.Quarantine && (inspection.Floor is null or Disposition.Quarantine || remotes.Count > 0);
        var folder = inspection.Disposition == Disposition.Junk ? MailStore.JunkName : null;
        string messageId, subject;
        using (var head = open())
        {
            messageId = HeaderScanner.Find(head, "Message-ID") ?? "";
        }
        using (var head = open())
        {
            subject = HeaderScanner.Find(head, "Subject") ?? "";
        }
        string? fromField;
        using (var head = open())
        {
            fromField = HeaderScanner.Find(head, "From");
        }
        // Each recipient's junk settings (issue 12); the door's classifier ran only for a message to one user alone.
        var junk = held ? new Dictionary<long, JunkDecision>() : await junkPolicy.DecideAsync([.. locals.Select(m => new JunkRecipient(m.UserId, m.Address))], envelope.Sender, fromField,
            inspection, !(locals.Count == 1 && envelope.Recipients.All(r => r.Remote.Count == 0)), open, cancellationToken).ConfigureAwait(false);
        JunkDecision? JunkOf(LocalMailbox m) => junk.GetValueOrDefault(m.UserId);
        string? FolderOf(LocalMailbox m) => JunkOf(m) is { } j ? (j.Disposition == Disposition.Junk ? MailStore.JunkName : null) : folder;
        static string VerdictText(Verdict verdict) => verdict.Symbols.Count == 0 ? "" : $"; score={verdict.Score:0.0#} [{verdict}]";
        var verdictText = VerdictText(inspection.Verdict);

        BlobRef? localBlob = null;
        BlobRef? remoteBlob = null;
        var remote = envelope.Trace.ClientAddress?.ToString() ?? "";
        // Each recipient's rules, before anything is stored; what they send (redirects, replies) goes once this is committed.
        var decisions = new Dictionary<long, SieveDecision>();
        if (!held)
        {
            byte[]? bytes = null;
            byte[] Bytes()
            {
                if (bytes is null)
                {
                    using var body = open();
                    using var copy = new MemoryStream();
                    body.CopyTo(copy);
                    bytes = copy.ToArray();
                }
                return bytes;
            }
            foreach (var mailbox in locals.Where(m => JunkOf(m)?.Disposition != Disposition.Quarantine))
            {
                if (await sieve.DecideAsync(mailbox, envelope.Sender, Bytes, JunkOf(mailbox)?.Verdict ?? inspection.Verdict, FolderOf(mailbox) ?? "INBOX", cancellationToken).ConfigureAwait(false) is { } decision)
                {
                    decisions[mailbox.UserId] = decision;
                }
            }
        }
        var inboxes = new List<long>(locals.Count);
        var noticeBlobs = new List<(LocalMailbox Mailbox, BlobRef Blob)>();
        // A recipient whose own settings judged the message otherwise gets a copy with their own X-Spam-* fields.
        var ownBlobs = new Dictionary<string, BlobRef>(StringComparer.Ordinal);
        BlobRef BlobOf(LocalMailbox m) => JunkOf(m) is { OwnHeaders: true } j ? ownBlobs[j.Headers] : localBlob!.Value;
        try
        {
            foreach (var headers in junk.Values.Where(j => j.OwnHeaders).Select(j => j.Headers).Distinct())
            {
                await using var body = open();
                ownBlobs[headers] = await blobs.StoreAsync(new ConcatenatedStream(new MemoryStream(Encoding.UTF8.GetBytes($"Return-Path: <{envelope.Sender}>\r\n{received}{headers}")), body), cancellationToken).ConfigureAwait(false);
            }
            if (locals.Any(m => JunkOf(m) is not { OwnHeaders: true }) || held)
            {
                // RFC 5321 §4.4: the final delivery adds Return-Path. One copy serves every local recipient. The
                // checks' fields (Authentication-Results, X-Spam-*) follow our Received, as Gmail's follow theirs.
                var prefix = Encoding.UTF8.GetBytes($"Return-Path: <{envelope.Sender}>\r\n{received}{inspection.Headers}");
                await using var body = open();
                localBlob = await blobs.StoreAsync(new ConcatenatedStream(new MemoryStream(prefix), body), cancellationToken).ConfigureAwait(false);
            }
            if (held && inspection.Virus is not null)
            {
                // The recipient learns that something was held, from whom and why, and the id to ask for it (issue 12).
                foreach (var mailbox in locals)
                {
                    var notice = notices.Compose(host, mailbox.Address, envelope.Sender, subject, inspection.Virus, id, time.GetUtcNow());
                    noticeBlobs.Add((mailbox, await blobs.StoreAsync(new MemoryStream(notice), cancellationToken).ConfigureAwait(false)));
                }
            }
            if (remotes.Count > 0 && !held)
            {
                await using var body = envelope.Trace.AuthenticatedAs is null ? open() : await SignAsync(envelope, open, cancellationToken).ConfigureAwait(false);
                remoteBlob = await blobs.StoreAsync(new ConcatenatedStream(new MemoryStream(Encoding.UTF8.GetBytes(received)), body), cancellationToken).ConfigureAwait(false);
            }
            // Shared with the other deliveries finishing now: one fsync of the database for all of them.
            await commits.RunAsync(RecordAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (localBlob is { } stored) blobs.Unpin(stored);
            if (remoteBlob is { } queued) blobs.Unpin(queued);
            foreach (var (_, notice) in noticeBlobs) blobs.Unpin(notice);
            foreach (var own in ownBlobs.Values) blobs.Unpin(own);
        }
        events.Changed(inboxes);
        if (remoteBlob is not null)
        {
            queue.Wake();
        }
        LogAccepted(logger, id, envelope.Sender, locals.Count, remotes.Count);
        await sieve.SendAsync(decisions.Values, AcceptAsync, cancellationToken).ConfigureAwait(false);
        return id;

        async Task RecordAsync(Microsoft.Data.Sqlite.SqliteConnection connection, System.Data.Common.DbTransaction transaction)
        {
            var now = time.GetUtcNow();
            if (localBlob is { } local) await BlobStore.RegisterAsync(connection, transaction, local).ConfigureAwait(false);
            if (remoteBlob is { } outgoing) await BlobStore.RegisterAsync(connection, transaction, outgoing).ConfigureAwait(false);
            foreach (var own in ownBlobs.Values) await BlobStore.RegisterAsync(connection, transaction, own).ConfigureAwait(false);
            if (held)
            {
                await HoldAsync(connection, transaction, now).ConfigureAwait(false);
                return;
            }
            foreach (var mailbox in locals)
            {
                var blob = BlobOf(mailbox);
                if (JunkOf(mailbox) is { Disposition: Disposition.Quarantine } hold)
                {
                    await HoldOneAsync(connection, transaction, now, mailbox.UserId, mailbox.Address, blob, hold.Verdict, QuarantineReason.Spam,
                        hold.Verdict.Score.ToString("0.0#", CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    continue;
                }
                var inbox = await store.EnsureInboxAsync(connection, transaction, mailbox.UserId).ConfigureAwait(false);
                var recipientVerdict = VerdictText(JunkOf(mailbox)?.Verdict ?? inspection.Verdict);
                if (decisions.TryGetValue(mailbox.UserId, out var decision))
                {
                    foreach (var copy in decision.Targets)
                    {
                        // A folder that is not there keeps the message in the inbox, as Pigeonhole does without :create.
                        var into = (copy.Folder == MailStore.JunkName ? await MailStore.FindSpecialUseAsync(connection, transaction, mailbox.UserId, MailStore.JunkUse).ConfigureAwait(false) : null)
                            ?? await MailStore.FindByNameAsync(connection, transaction, mailbox.UserId, copy.Folder).ConfigureAwait(false) ?? inbox;
                        inboxes.Add(into);
                        await store.AppendAsync(connection, transaction, into, blob, now, copy.Flags).ConfigureAwait(false);
                    }
                    var error = decision.Error is null ? "" : $"; sieve error: {decision.Error}";
                    await log.WriteAsync(connection, transaction, MessageStatus.Delivered, envelope.Sender, mailbox.Address, remote, messageId, blob.Size,
                        $"id={id}; {decision.Summary}{error}{recipientVerdict}").ConfigureAwait(false);
                    continue;
                }
                var target = FolderOf(mailbox) is null ? inbox : await MailStore.FindSpecialUseAsync(connection, transaction, mailbox.UserId, MailStore.JunkUse).ConfigureAwait(false) ?? inbox;
                inboxes.Add(target);
                await store.AppendAsync(connection, transaction, target, blob, now).ConfigureAwait(false);
                await log.WriteAsync(connection, transaction, MessageStatus.Delivered, envelope.Sender, mailbox.Address, remote, messageId, blob.Size,
                    $"id={id}; {(target == inbox ? "INBOX" : MailStore.JunkName)}{recipientVerdict}").ConfigureAwait(false);
            }
            if (remoteBlob is not null)
            {
                await queue.EnqueueAsync(connection, transaction, remoteBlob!.Value, envelope.Sender, remotes, isBounce: envelope.Sender.Length == 0).ConfigureAwait(false);
                foreach (var r in remotes)
                {
                    await log.WriteAsync(connection, transaction, MessageStatus.Accepted, envelope.Sender, r, remote, messageId, remoteBlob!.Value.Size, $"id={id}; queued{verdictText}").ConfigureAwait(false);
                }
            }
        }

        async Task HoldOneAsync(Microsoft.Data.Sqlite.SqliteConnection connection, System.Data.Common.DbTransaction transaction, DateTimeOffset now,
            long? userId, string address, BlobRef blob, Verdict verdict, string reason, string detail)
        {
            await Quarantine.HoldAsync(connection, transaction, new QuarantineEntry
            {
                Id = id, UserId = userId, Recipient = address, Sender = envelope.Sender, Subject = DecodedSubject(subject),
                BlobHash = blob.Hash, Size = blob.Size, Reason = reason, Detail = detail, Verdict = Quarantine.ToJson(verdict),
                Client = remote, HeldAt = now,
            }).ConfigureAwait(false);
            await log.WriteAsync(connection, transaction, MessageStatus.Quarantined, envelope.Sender, address, remote, messageId, blob.Size,
                $"id={id}; held: {reason} {detail}{VerdictText(verdict)}").ConfigureAwait(false);
        }

        // Every copy, local or for elsewhere, is held under the message's id; a virus's recipients here get the notice instead.
        async Task HoldAsync(Microsoft.Data.Sqlite.SqliteConnection connection, System.Data.Common.DbTransaction transaction, DateTimeOffset now)
        {
            var reason = inspection.Virus is null ? QuarantineReason.Spam : QuarantineReason.Virus;
            // The virus's name, or the spam score: what the quarantine list shows beside the reason.
            var detail = inspection.Virus ?? inspection.Verdict.Score.ToString("0.0#", CultureInfo.InvariantCulture);
            var holds = locals.Select(m => (UserId: (long?)m.UserId, m.Address)).Concat(remotes.Select(r => (UserId: (long?)null, Address: r)));
            foreach (var (userId, address) in holds)
            {
                await HoldOneAsync(connection, transaction, now, userId, address, localBlob!.Value, inspection.Verdict, reason, detail).ConfigureAwait(false);
            }
            foreach (var (mailbox, notice) in noticeBlobs)
            {
                await BlobStore.RegisterAsync(connection, transaction, notice).ConfigureAwait(false);
                var inbox = await store.EnsureInboxAsync(connection, transaction, mailbox.UserId).ConfigureAwait(false);
                inboxes.Add(inbox);
                await store.AppendAsync(connection, transaction, inbox, notice, now).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A user's own mail leaving for elsewhere is signed with its domain's DKIM keys: the From domain's, which DMARC
    /// aligns with, else the envelope sender's. Mail of a domain without keys leaves as it came.
    /// </summary>
    private async Task<Stream> SignAsync(Envelope envelope, Func<Stream> open, CancellationToken cancellationToken)
    {
        byte[] message;
        await using (var body = open())
        {
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            message = copy.ToArray();
        }
        string? from;
        using (var head = new MemoryStream(message, writable: false))
        {
            from = HeaderScanner.Find(head, "From");
        }
        var domains = new[] { FromDomain(from), envelope.Sender[(envelope.Sender.LastIndexOf('@') + 1)..] }
            .Where(d => d.Length > 0 && DkimKeyStore.TryNormalizeDomain(d, out _)).ToArray();
        // The domain's disclaimer goes in before the signature covers the body.
        message = await disclaimers.AppendAsync(message, domains, cancellationToken).ConfigureAwait(false);
        foreach (var domain in domains)
        {
            var signed = dkim.Sign(message, domain);
            if (signed.Selectors.Count > 0)
            {
                return new MemoryStream(signed.Message, writable: false);
            }
        }
        return new MemoryStream(message, writable: false);
    }

    /// <summary>The domain of the From field's one address, or "" when it has none or several.</summary>
    private static string FromDomain(string? from)
    {
        if (from is null || !MimeKit.InternetAddressList.TryParse(from, out var list) || list.Mailboxes.Count() != 1)
        {
            return "";
        }
        return list.Mailboxes.First().Domain;
    }

    /// <summary>The subject as a person reads it: RFC 2047 words decoded, unfolded, bounded.</summary>
    private static string DecodedSubject(string raw)
    {
        var text = MimeKit.Utils.Rfc2047.DecodeText(Encoding.UTF8.GetBytes(raw)).Replace("\r\n", "", StringComparison.Ordinal).Trim();
        return text.Length > 500 ? text[..500] : text;
    }

    /// <summary>
    /// RFC 5321 §4.4 time stamp line, with the RFC 3848 protocol keyword (ESMTP, ESMTPS, ESMTPSA, …).
    /// "for" names the recipient only when there is one: more would tell each recipient who else got it.
    /// </summary>
    internal static string Received(TraceInfo trace, string host, string id, string? singleRecipient, DateTimeOffset now)
    {
        var from = new StringBuilder("Received: from ").Append(Clean(trace.Helo));
        from.Append(" (");
        if (!string.IsNullOrEmpty(trace.ClientName)) from.Append(Clean(trace.ClientName)).Append(' ');
        from.Append('[').Append(trace.ClientAddress?.ToString() ?? "unknown").Append(']').Append(')');
        from.Append("\r\n\tby ").Append(host).Append(" (Appliance) with ").Append(trace.Protocol).Append(" id ").Append(id);
        if (singleRecipient is not null) from.Append("\r\n\tfor <").Append(singleRecipient).Append('>');
        from.Append("; ").Append(now.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        return from.ToString();
    }

    /// <summary>What a client says of itself goes into a header: keep it to printable ASCII, no parentheses.</summary>
    private static string Clean(string text)
    {
        var cleaned = new string(text.Where(c => c is > ' ' and < (char)127 and not '(' and not ')').Take(255).ToArray());
        return cleaned.Length == 0 ? "unknown" : cleaned;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)).ToUpperInvariant();

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Accepted {Id} from <{Sender}>: {Local} local, {Remote} queued")]
    private static partial void LogAccepted(ILogger logger, string id, string sender, int local, int remote);
}
