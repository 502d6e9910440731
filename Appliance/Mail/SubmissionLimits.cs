namespace Appliance.Mail;

/// <summary>
/// The limits every submitted message meets, over SMTP or from the webmail. The SMTP server owns the
/// settings (<c>Appliance:Smtp:MaxMessageSize</c>, <c>MaxRecipients</c>) and hands them down here
/// (<c>AddSmtp</c>), so that the delivery pipeline needs no protocol; these defaults are the same.
/// </summary>
public sealed class SubmissionLimits
{
    public const long DefaultMaxMessageSize = 50L * 1024 * 1024;
    public const int DefaultMaxRecipients = 100;

    /// <summary>Largest message accepted.</summary>
    public long MaxMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>Recipients per message.</summary>
    public int MaxRecipients { get; set; } = DefaultMaxRecipients;
}
