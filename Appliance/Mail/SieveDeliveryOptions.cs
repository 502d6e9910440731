namespace Appliance.Mail;

/// <summary><c>Appliance:SieveDelivery</c>: what the rules may do once a message is accepted (redirect, vacation, reject) and how forwarded mail keeps passing SPF.</summary>
public sealed class SieveDeliveryOptions
{
    public const string Section = "Appliance:SieveDelivery";

    /// <summary>Most addresses one message is redirected to, over the global and the user's scripts together (default 4).</summary>
    public int MaxRedirects { get; set; } = 4;

    /// <summary>Most <c>Delivered-To</c> fields a message may carry and still be redirected (default 10): each redirect here adds one,
    /// so a forwarding loop between servers ends. A message that already names the redirecting user is never redirected again.</summary>
    public int MaxHops { get; set; } = 10;

    /// <summary>The SRS key (RFC-less Sender Rewriting Scheme, SRS0). Empty (default): a random key is made on first use and kept in the settings.</summary>
    public string? SrsSecret { get; set; }

    /// <summary>How many days a rewritten SRS0 address is accepted for a bounce (default 21); older ones are refused with 550.</summary>
    public int SrsMaxAgeDays { get; set; } = 21;

    /// <summary>Vacation interval when the script gives none (default 7 days, RFC 5230 §4.1).</summary>
    public int DefaultVacationDays { get; set; } = 7;

    /// <summary>Shortest vacation interval in days a script may ask for (default 1, RFC 5230 §4.1).</summary>
    public int MinVacationDays { get; set; } = 1;

    /// <summary>Longest vacation interval in days (default 30); larger values are clamped, and replies older than this are forgotten.</summary>
    public int MaxVacationDays { get; set; } = 30;
}
