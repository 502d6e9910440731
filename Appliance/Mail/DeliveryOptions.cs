namespace Appliance.Mail;

/// <summary><c>Appliance:Delivery</c>: how mail for other domains leaves.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Appliance:Delivery";

    /// <summary>Static routes: domain → <c>host:port</c>, used instead of MX lookup (an internal server, a test receiver).</summary>
    public Dictionary<string, string> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>All other outside mail goes to this <c>host:port</c> (a provider's relay) instead of the recipients' MX hosts.</summary>
    public string? Smarthost { get; set; }

    public string? SmarthostUser { get; set; }
    public string? SmarthostPassword { get; set; }

    /// <summary>Refuse to give mail or a password to the smarthost without TLS with a valid certificate. Default true.</summary>
    public bool SmarthostRequireTls { get; set; } = true;

    /// <summary>How long a message is retried before it is returned to its sender. Default 5 days, RFC 5321 §4.5.4.1's figure.</summary>
    public int MessageLifetimeHours { get; set; } = 120;

    /// <summary>First retry after a temporary failure; each next one waits twice as long. Default 5 minutes.</summary>
    public int RetryMinutes { get; set; } = 5;

    /// <summary>Longest wait between retries. Default 60 minutes.</summary>
    public int MaxRetryMinutes { get; set; } = 60;

    /// <summary>Seconds to connect and to wait for each reply. RFC 5321 §4.5.3.2 suggests minutes; 60 keeps a dead host from stalling the queue.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Destinations delivered to at once. Default 8: enough for an office, gentle on the receivers.</summary>
    public int MaxParallelDeliveries { get; set; } = 8;

    /// <summary>Port for MX delivery. 25 by RFC; tests use another.</summary>
    public int MxPort { get; set; } = 25;
}
