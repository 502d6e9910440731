using System.Net;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Mailstore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Mail;

/// <summary>What became of a message handed to <see cref="Submission.SubmitAsync"/>.</summary>
/// <param name="QueueId">The id the Received header and the message log carry; null when nothing was sent.</param>
/// <param name="Refused">Why nothing was sent: every address refused, each with its SMTP reply.</param>
/// <param name="SentUid">UID of the copy in the sender's Sent folder; null when none could be kept (quota).</param>
public sealed record SubmissionResult(string? QueueId, IReadOnlyList<RecipientRefusal> Refused, long? SentUid)
{
    public bool Accepted => QueueId is not null;
}

/// <summary>
/// Mail written in the webmail, sent through the same pipeline as mail submitted over SMTP (RFC 6409):
/// the same sender and recipient rules (<see cref="SubmissionPolicy"/>), the same limits
/// (<see cref="SubmissionLimits"/>, the SMTP settings), the same <see cref="DeliveryAgent"/>. Then a copy goes to the sender's
/// Sent folder, which a mail client does itself over IMAP but a browser cannot.
/// </summary>
/// <remarks>
/// All or nothing: one refused recipient and nothing is sent. Over SMTP a client may go on with the
/// recipients that were accepted; a person in a browser would rather fix the address and send once.
/// </remarks>
public sealed partial class Submission(
    SubmissionPolicy policy,
    DeliveryAgent delivery,
    MessageInspector inspector,
    MailStore store,
    MailboxWriter writer,
    MessageLog log,
    IOptions<SubmissionLimits> options,
    ILogger<Submission> logger)
{
    /// <summary>
    /// The HELO of the Received header. The browser's own host name is unknown and would be the
    /// client's word anyway; the address beside it is what tells where the message came from.
    /// </summary>
    public const string Helo = "webmail";

    /// <summary>
    /// The "with" keyword of the Received header (RFC 5321 §4.4). Not SMTP: saying ESMTPA would claim an
    /// SMTP session that never took place. "HTTP" as Roundcube and others write it, with RFC 3848's "A"
    /// for an authenticated sender; no "S", because this class cannot know whether the browser used TLS.
    /// </summary>
    public const string Protocol = "HTTPA";

    /// <param name="from">The envelope sender and From address, which <paramref name="user"/> must own.</param>
    /// <param name="recipients">Envelope recipients: To, Cc and Bcc together.</param>
    /// <param name="message">The message as composed (CRLF line ends), Bcc field included: it is removed from what is
    /// delivered (RFC 5322 §3.6.3) and kept in the Sent copy, so the sender can see whom they blind-copied.</param>
    /// <param name="client">The browser's address, for the Received header and the message log.</param>
    public async Task<SubmissionResult> SubmitAsync(User user, string from, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> message, IPAddress? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(recipients);
        var remote = client?.ToString() ?? "";
        from = from.Trim();
        // The same address typed in To and Cc is one recipient, as it would be for an SMTP client.
        var addresses = recipients.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (addresses.Count == 0)
        {
            return await RefuseAsync(user, from, remote, message.Length, [new RecipientRefusal("", 554, "5.5.1", "Error: no valid recipients")], cancellationToken).ConfigureAwait(false);
        }

        if (await policy.CheckSenderAsync(user.Address, from, cancellationToken).ConfigureAwait(false) is { } notOwned)
        {
            // Every recipient gets the sender's refusal: none of them can be sent to with this From.
            return await RefuseAsync(user, from, remote, message.Length, [.. addresses.Select(a => notOwned with { Address = a })], cancellationToken).ConfigureAwait(false);
        }
        var limits = options.Value;
        if (message.Length > limits.MaxMessageSize)
        {
            return await RefuseAsync(user, from, remote, message.Length, [.. addresses.Select(SubmissionPolicy.MessageTooLarge)], cancellationToken).ConfigureAwait(false);
        }
        if (HasBareLineEnding(message.Span))
        {
            // RFC 5321 §2.3.8, as SMTP refuses it: the stored message and its signatures depend on CRLF.
            return await RefuseAsync(user, from, remote, message.Length,
                [.. addresses.Select(a => new RecipientRefusal(a, 554, "5.6.0", "Message refused: bare CR or LF; lines must end with CRLF (RFC 5321 §2.3.8)"))], cancellationToken).ConfigureAwait(false);
        }

        var resolved = new List<ResolvedRecipient>(addresses.Count);
        var refused = new List<RecipientRefusal>();
        for (var i = 0; i < addresses.Count; i++)
        {
            if (i >= limits.MaxRecipients)
            {
                refused.Add(SubmissionPolicy.TooManyRecipients(addresses[i]));
                continue;
            }
            var (recipient, refusal) = await policy.CheckRecipientAsync(addresses[i], mayRelay: true, cancellationToken).ConfigureAwait(false);
            if (refusal is not null) refused.Add(refusal); else resolved.Add(recipient!);
        }
        if (refused.Count > 0)
        {
            return await RefuseAsync(user, from, remote, message.Length, refused, cancellationToken).ConfigureAwait(false);
        }

        var delivered = HeaderScanner.RemoveField(message.Span, "Bcc");
        // Mail from the browser is scanned as mail from a client is: a virus is refused with its name, a scanner down is a retry.
        var inspection = await inspector.InspectAsync(new InspectionContext(false, client, Helo, from, addresses, user.Address, Helo),
            () => new MemoryStream(delivered, writable: false), cancellationToken).ConfigureAwait(false);
        if (inspection.Disposition is Disposition.Reject or Disposition.TempFail)
        {
            return await RefuseAsync(user, from, remote, message.Length,
                [.. addresses.Select(a => new RecipientRefusal(a, inspection.Code, inspection.EnhancedCode, inspection.Text))], cancellationToken).ConfigureAwait(false);
        }
        var envelope = new Envelope(from, resolved, new TraceInfo(Helo, client, null, Protocol, user.Address), inspection);
        var id = await delivery.AcceptAsync(envelope, () => new MemoryStream(delivered, writable: false), cancellationToken).ConfigureAwait(false);
        LogSubmitted(logger, id, user.Address, from, resolved.Count);

        var sentUid = await KeepSentCopyAsync(user, id, message, cancellationToken).ConfigureAwait(false);
        return new SubmissionResult(id, [], sentUid);
    }

    /// <summary>
    /// Appends the message, as composed, to the Sent folder (RFC 6154 \Sent) flagged \Seen. The message has
    /// left by now, so a copy that does not fit the quota is logged and skipped, never reported as a failure
    /// to send: reporting one would make the person send it twice.
    /// </summary>
    private async Task<long?> KeepSentCopyAsync(User user, string id, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await store.EnsureDefaultsAsync(user.Id, cancellationToken).ConfigureAwait(false);
        var mailboxes = await store.MailboxesAsync(user.Id, cancellationToken).ConfigureAwait(false);
        var sent = mailboxes.FirstOrDefault(m => m.SpecialUse == @"\Sent") ?? mailboxes.FirstOrDefault(m => m.Name == "Sent");
        if (sent is null)
        {
            // The user deleted their Sent folder; make a plain one rather than lose the copy.
            await store.CreateMailboxAsync(user.Id, "Sent", cancellationToken).ConfigureAwait(false);
            sent = (await store.MailboxesAsync(user.Id, cancellationToken).ConfigureAwait(false)).First(m => m.Name == "Sent");
        }
        try
        {
            return await writer.AppendMessageAsync(sent.Id, user.Id, user.QuotaBytes, message, MessageFlags.Format([MessageFlags.Seen]), cancellationToken).ConfigureAwait(false);
        }
        catch (MailboxException e) when (e.Code == "OVERQUOTA")
        {
            LogSentCopyOverQuota(logger, id, user.Address);
            return null;
        }
    }

    private async Task<SubmissionResult> RefuseAsync(User user, string from, string remote, long size, IReadOnlyList<RecipientRefusal> refused, CancellationToken cancellationToken)
    {
        foreach (var refusal in refused)
        {
            LogRefused(logger, user.Address, from, refusal.Address, refusal.ToString());
            await log.WriteAsync(MessageStatus.Rejected, from, refusal.Address, remote, "", size, refusal.ToString(), cancellationToken).ConfigureAwait(false);
        }
        return new SubmissionResult(null, refused, null);
    }

    private static bool HasBareLineEnding(ReadOnlySpan<byte> message)
    {
        for (var i = 0; i < message.Length; i++)
        {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) return true;
            if (message[i] == '\r' && (i + 1 == message.Length || message[i + 1] != '\n')) return true;
        }
        return false;
    }

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "Webmail {Id}: {User} sent as <{Sender}> to {Recipients} recipients")]
    private static partial void LogSubmitted(ILogger logger, string id, string user, string sender, int recipients);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Information, Message = "Webmail refused for {User} from <{Sender}> to <{Recipient}>: {Reply}")]
    private static partial void LogRefused(ILogger logger, string user, string sender, string recipient, string reply);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "Webmail {Id}: sent, but no copy kept in Sent for {User}: quota exceeded")]
    private static partial void LogSentCopyOverQuota(ILogger logger, string id, string user);
}
