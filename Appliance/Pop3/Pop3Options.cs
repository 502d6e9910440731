namespace Appliance.Pop3;

/// <summary><c>Appliance:Pop3</c>: limits of the POP3 listeners, each with the reason for its default.</summary>
public sealed class Pop3Options
{
    public const string Section = "Appliance:Pop3";

    /// <summary>
    /// Longest line accepted, without CRLF. RFC 2449 §4 caps a command at 255 octets, but a SASL response
    /// (RFC 5034 §4) is not a command: a PLAIN response with a long address and password passes 255.
    /// 1024 holds both with room and still bounds what one line can cost.
    /// </summary>
    public int MaxLineLength { get; set; } = 1024;

    /// <summary>
    /// Seconds a client may stay silent before it is logged out without a reply and without deleting
    /// anything. RFC 1939 §3: the autologout timer must be at least 10 minutes.
    /// </summary>
    public int IdleTimeoutSeconds { get; set; } = 600;

    /// <summary>Failed PASS or AUTH attempts in one session before it is closed; each also waits longer (Appliance:Security).</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Refused commands in one session before it is closed: a confused or hostile client stops costing anything.</summary>
    public int MaxErrors { get; set; } = 10;
}
