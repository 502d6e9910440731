using Appliance.Mime;

namespace Appliance.Mail;

/// <summary>
/// An address the submission rules refused, with the SMTP reply it gets (RFC 5321 §4.2, RFC 3463
/// enhanced code). The webmail shows the same words an SMTP client would see.
/// </summary>
public sealed record RecipientRefusal(string Address, int Code, string EnhancedCode, string Text)
{
    /// <summary>Whether trying again later may succeed (4xx: mailbox full, too many recipients).</summary>
    public bool IsTemporary => Code is >= 400 and < 500;

    /// <summary>"550 5.1.1 text", as the message log and SMTP's own logs write a reply.</summary>
    public override string ToString() => $"{Code} {EnhancedCode} {Text}";
}

/// <summary>
/// The rules a sender and each recipient must pass, shared by SMTP (MAIL, RCPT) and the webmail's
/// <see cref="Submission"/> so that mail sent from a browser is held to exactly what a mail client is.
/// </summary>
public sealed class SubmissionPolicy(RecipientResolver recipients, DeliveryAgent delivery)
{
    /// <summary>Whether an authenticated user may use <paramref name="from"/> as sender: theirs, an alias of theirs, or a group of theirs.</summary>
    /// <returns>null when allowed; else 553 5.7.1 (RFC 6409 §6.1: the submission server checks the sender).</returns>
    public async Task<RecipientRefusal?> CheckSenderAsync(string user, string from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        if (from.Length > 0 && await recipients.MaySendAsAsync(user, from, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        return SenderNotOwned(from, user);
    }

    /// <summary>The refusal of a sender the user does not own.</summary>
    public static RecipientRefusal SenderNotOwned(string from, string user) =>
        new(from, 553, "5.7.1", $"Sender address rejected: not owned by user {user}");

    /// <summary>
    /// Checks one recipient: known here (not disabled, inbox not full), or elsewhere and the sender may
    /// relay (authenticated). The quota is checked only for a recipient that is one mailbox: refusing an
    /// alias or a group because one member is full would keep the message from all the others.
    /// </summary>
    /// <param name="address">A syntactically valid address (<see cref="Rfc5321Address.TryParseMailbox"/>); anything else is refused 501 5.1.3.</param>
    /// <param name="mayRelay">Whether the sender is authenticated, so addresses of other domains are accepted.</param>
    public async Task<(ResolvedRecipient? Recipient, RecipientRefusal? Refusal)> CheckRecipientAsync(string address, bool mayRelay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!Rfc5321Address.TryParseMailbox(address, out var mailbox))
        {
            return (null, new RecipientRefusal(address, 501, "5.1.3", $"<{address}>: Bad recipient address syntax"));
        }
        var (status, recipient) = await recipients.ResolveAsync(mailbox, cancellationToken).ConfigureAwait(false);
        var refusal = status switch
        {
            RecipientStatus.Unknown => new RecipientRefusal(mailbox, 550, "5.1.1", $"<{mailbox}>: Recipient address rejected: User unknown"),
            RecipientStatus.Disabled => new RecipientRefusal(mailbox, 550, "5.2.1", $"<{mailbox}>: Recipient address rejected: Mailbox disabled"),
            RecipientStatus.Remote when !mayRelay => new RecipientRefusal(mailbox, 554, "5.7.1", $"<{mailbox}>: Relay access denied"),
            _ => null,
        };
        if (refusal is null && recipient!.Local.Count == 1 && recipient.Remote.Count == 0
            && await delivery.IsOverQuotaAsync(recipient.Local[0], cancellationToken).ConfigureAwait(false))
        {
            refusal = new RecipientRefusal(mailbox, 452, "4.2.2", $"<{mailbox}>: Mailbox full");
        }
        return refusal is null ? (recipient, null) : (null, refusal);
    }

    /// <summary>A recipient past <c>MaxRecipients</c>: 452 4.5.3, which RFC 5321 §4.5.3.1.10 makes temporary so clients send the rest later.</summary>
    public static RecipientRefusal TooManyRecipients(string address) => new(address, 452, "4.5.3", "Error: too many recipients");

    /// <summary>A message larger than <c>MaxMessageSize</c> (RFC 1870 §6.1).</summary>
    public static RecipientRefusal MessageTooLarge(string address) => new(address, 552, "5.3.4", "Message size exceeds fixed limit");
}
