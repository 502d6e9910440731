using System.Net;

namespace Appliance.Filtering;

/// <summary>What the checks at DATA decided for the whole message, before the SMTP session answers.</summary>
public enum Disposition
{
    /// <summary>To the recipients' inboxes (and their own rules).</summary>
    Deliver,
    /// <summary>To the recipients' Junk folders.</summary>
    Junk,
    /// <summary>Held in the quarantine; the recipients get a notice instead (a virus) or see it in the digest (spam).</summary>
    Quarantine,
    /// <summary>Refused with a 5xx before the 250: the sender keeps it and learns why.</summary>
    Reject,
    /// <summary>Refused with a 4xx: a check could not be made (a scanner down, DNS timing out); the sender retries.</summary>
    TempFail,
}

/// <summary>Where a message came from and to whom it goes, as the checks see it.</summary>
/// <param name="Inbound">Port 25 from the internet; false for an authenticated user's submission.</param>
/// <param name="User">The authenticated user, or null.</param>
/// <param name="Receiver">Our own host name: the authserv-id of Authentication-Results (RFC 8601 §2.5).</param>
/// <param name="BayesUser">The one user here the message is for, whose classifier judges it; null when it is for several or none.</param>
public sealed record InspectionContext(bool Inbound, IPAddress? Client, string Helo, string Sender, IReadOnlyList<string> Recipients, string? User, string Receiver, long? BayesUser = null);

/// <summary>
/// The result of inspecting one message: the <see cref="Verdict"/>, what becomes of the message, the reply for a
/// refusal, and the header fields to add on top of it (Authentication-Results, X-Spam-*, X-Virus-*).
/// </summary>
public sealed record Inspection(Verdict Verdict, Disposition Disposition, string Headers)
{
    /// <summary>For <see cref="Disposition.Reject"/> and <see cref="Disposition.TempFail"/>: the SMTP reply code, e.g. 550.</summary>
    public int Code { get; init; }

    /// <summary>The RFC 3463 code, e.g. 5.7.1.</summary>
    public string EnhancedCode { get; init; } = "";

    /// <summary>The reply text, which names the reason (the virus, the policy, the scanner that is down).</summary>
    public string Text { get; init; } = "";

    /// <summary>The virus clamd named, for the quarantine and the notice.</summary>
    public string? Virus { get; init; }

    /// <summary>Why the message was held or refused, in one line for the message log and the quarantine list.</summary>
    public string Reason { get; init; } = "";

    /// <summary>
    /// The message as it is to be stored when a check changed it (forged Authentication-Results removed); null when
    /// it is stored as received.
    /// </summary>
    public byte[]? Rewritten { get; init; }

    /// <summary>
    /// Set when the score was judged (inbound mail): what each recipient's own junk settings cannot lower — Deliver
    /// when only the score decided, Junk for a DMARC quarantine, Quarantine for a rule's hold. Delivery then decides
    /// per recipient (<see cref="Junk.JunkPolicy"/>). Null: <see cref="Disposition"/> stands for every recipient.
    /// </summary>
    public Disposition? Floor { get; init; }

    /// <summary>Nothing to add, nothing checked: mail the server makes itself (bounces, notices).</summary>
    public static Inspection Unfiltered { get; } = new(new Verdict(), Disposition.Deliver, "");
}
