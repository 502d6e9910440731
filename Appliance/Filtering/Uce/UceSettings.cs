using System.Text.Json.Serialization;

namespace Appliance.Filtering.Uce;

/// <summary>What a UCE check does when it finds something: nothing, add points to the verdict, or refuse.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UceAction>))]
public enum UceAction
{
    Off,
    Tag,
    Reject,
}

/// <summary>
/// A DNS list zone (RFC 5782): a DNSBL whose hits count against the client, or, in the allow lists, a DNSWL.
/// <see cref="Codes"/> are the answers that count, each an address or a range <c>127.0.0.2-127.0.0.11</c>;
/// none means any 127.0.0.0/8 answer except 127.255.255.0/24, which Spamhaus and others use for "query refused"
/// (a public resolver, over the free volume) and which must never block mail.
/// </summary>
public sealed class DnsListZone
{
    public string Zone { get; set; } = "";

    public List<string> Codes { get; set; } = [];

    /// <summary>For a DNSBL: reject the client, or only tag. Ignored for a DNSWL.</summary>
    public UceAction Action { get; set; } = UceAction.Reject;

    /// <summary>Points a hit adds (a DNSWL's are negative).</summary>
    public double Points { get; set; } = 5;
}

/// <summary>Where a rule looks.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UceRuleTarget>))]
public enum UceRuleTarget
{
    /// <summary>The header: one field by <see cref="UceRule.Field"/>, or every field as "Name: value".</summary>
    Header,
    /// <summary>The text of the text parts, decoded.</summary>
    Body,
    /// <summary>The SMTP envelope: <c>from</c>, <c>to</c>, <c>helo</c>, <c>client</c> (address), <c>client-name</c> (confirmed PTR).</summary>
    Envelope,
}

[JsonConverter(typeof(JsonStringEnumConverter<UceRuleAction>))]
public enum UceRuleAction
{
    Tag,
    Quarantine,
    Reject,
}

/// <summary>A header, body or envelope rule: a .NET regular expression (case-insensitive), run with a match timeout.</summary>
public sealed class UceRule
{
    /// <summary>Names the symbol: <c>RULE_</c> + the name in capitals.</summary>
    public string Name { get; set; } = "";

    public UceRuleTarget Target { get; set; } = UceRuleTarget.Header;

    /// <summary>The header field (Header) or envelope part (Envelope); empty for every header field.</summary>
    public string Field { get; set; } = "";

    public string Pattern { get; set; } = "";

    public UceRuleAction Action { get; set; } = UceRuleAction.Tag;

    public double Points { get; set; } = 1;

    public bool Enabled { get; set; } = true;
}

/// <summary>Greylisting's timing (the defaults are postgrey's, which a decade of mail servers retrying has tuned).</summary>
public sealed class GreylistingSettings
{
    /// <summary>Off by default: it delays a first message from every new sender, which an office notices. Each domain may switch it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>Seconds a new triplet must wait before a retry is accepted. Default 300: real MTAs retry after 5–30 minutes; spam cannons rarely retry.</summary>
    public int DelaySeconds { get; set; } = 300;

    /// <summary>Hours within which the retry must come, after which the triplet starts over. Default 48, as postgrey.</summary>
    public int RetryWindowHours { get; set; } = 48;

    /// <summary>Passed triplets a client network needs to be let through without delay. Default 5, as postgrey's auto-whitelist.</summary>
    public int AutoAllowAfter { get; set; } = 5;

    /// <summary>Days a passed triplet or an auto-allowed client is remembered after its last message. Default 35, as postgrey.</summary>
    public int ExpiryDays { get; set; } = 35;
}

/// <summary>Rate limits; 0 turns one off.</summary>
public sealed class RateLimitSettings
{
    /// <summary>Inbound connections per client address per minute. Default 60: a busy provider's relay opens a few, a flood hundreds.</summary>
    public int ConnectionsPerMinute { get; set; } = 60;

    /// <summary>Inbound messages (MAIL FROM) per client address per minute. Default 120.</summary>
    public int MessagesPerMinute { get; set; } = 120;

    /// <summary>
    /// Recipients per authenticated user per hour on submission. Default 500, what a person sending a circular
    /// reaches; a stolen password spraying the internet meets it within minutes (Gmail's own limit is 500 a day for free accounts).
    /// </summary>
    public int RecipientsPerHourPerUser { get; set; } = 500;
}

/// <summary>
/// The server-wide UCE policy, as the console edits it. Stored as JSON in the settings table
/// (<see cref="UceSettingsStore.ServerKey"/>); until it is saved there, <c>Appliance:Uce</c> gives it.
/// </summary>
public class UceSettings
{
    public List<DnsListZone> DnsblZones { get; set; } = [];

    public List<DnsListZone> DnswlZones { get; set; } = [];

    /// <summary>HELO syntax (RFC 5321 §4.1.1.1: a fully qualified domain or an address literal), not our own name or address. Default tag: many small MTAs still say "localhost".</summary>
    public UceAction HeloCheck { get; set; } = UceAction.Tag;

    public double HeloPoints { get; set; } = 1.5;

    /// <summary>The client has a PTR name that resolves back to it (forward-confirmed). Default tag: many legitimate small servers lack one.</summary>
    public UceAction ReverseDnsCheck { get; set; } = UceAction.Tag;

    public double ReverseDnsPoints { get; set; } = 1;

    /// <summary>The MAIL FROM domain can receive mail (MX, else A/AAAA; not a null MX). Default reject: a bounce to it could never arrive.</summary>
    public UceAction SenderDomainCheck { get; set; } = UceAction.Reject;

    public double SenderDomainPoints { get; set; } = 2;

    /// <summary>Entries: an address or CIDR (<c>192.0.2.0/24</c>, <c>2001:db8::/32</c>), a domain (with its subdomains), or an address (<c>user@example.com</c>).</summary>
    public List<string> Allow { get; set; } = [];

    public List<string> Deny { get; set; } = [];

    /// <summary>Points an allow-list match adds. Default -10: enough to outweigh any tag.</summary>
    public double AllowPoints { get; set; } = -10;

    public List<UceRule> Rules { get; set; } = [];

    public GreylistingSettings Greylisting { get; set; } = new();

    public RateLimitSettings RateLimits { get; set; } = new();
}

/// <summary>One hosted domain's own UCE settings (<see cref="UceSettingsStore.DomainKey"/>), checked at RCPT for its recipients.</summary>
public sealed class UceDomainSettings
{
    /// <summary>Greylisting for this domain's recipients; null follows the server's setting.</summary>
    public bool? Greylisting { get; set; }

    public List<string> Allow { get; set; } = [];

    public List<string> Deny { get; set; } = [];
}
