using Appliance.Mail;

namespace Appliance.Smtp;

/// <summary><c>Appliance:Smtp</c>: limits of the SMTP listeners, each with the reason for its default.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Appliance:Smtp";

    /// <summary>
    /// Longest command line accepted, without CRLF. RFC 5321 §4.5.3.1.4 sets 512 octets, and each
    /// extension may add to it (RFC 1869); 2048 holds any real client's MAIL with all its parameters.
    /// </summary>
    public int MaxCommandLength { get; set; } = 2048;

    /// <summary>Largest message accepted, announced with SIZE (RFC 1870). Default 50 MiB: what attachments to office mail reach.</summary>
    public long MaxMessageSize { get; set; } = SubmissionLimits.DefaultMaxMessageSize;

    /// <summary>Recipients per message; more get 452 4.5.3. RFC 5321 §4.5.3.1.8 asks for at least 100.</summary>
    public int MaxRecipients { get; set; } = SubmissionLimits.DefaultMaxRecipients;

    /// <summary>Protocol errors in one session before it is closed with 421: a confused or hostile client stops costing anything.</summary>
    public int MaxErrors { get; set; } = 10;

    /// <summary>Failed AUTH attempts in one session before it is closed.</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Seconds to wait for a command. RFC 5321 §4.5.3.2.7: at least 5 minutes.</summary>
    public int CommandTimeoutSeconds { get; set; } = 300;

    /// <summary>Seconds to wait for each block of message data. RFC 5321 §4.5.3.2.5 and .6: 3 to 10 minutes.</summary>
    public int DataTimeoutSeconds { get; set; } = 600;

    /// <summary>Received headers after which a message is taken to be looping (RFC 5321 §6.3). Default 50.</summary>
    public int MaxHops { get; set; } = 50;
}
