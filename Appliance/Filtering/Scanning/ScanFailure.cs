namespace Appliance.Filtering.Scanning;

/// <summary>Why a scanner gave no verdict.</summary>
public enum ScanFailureKind
{
    /// <summary>Nothing accepted the connection (refused, no such socket, host unreachable), or it was lost before a reply. Temporary.</summary>
    Down,
    /// <summary>The scanner took longer than its <c>Timeout</c> option, connecting, reading the message or replying. Temporary.</summary>
    Timeout,
    /// <summary>The scanner answered with an error, or with something that is not its protocol. Temporary: a daemon out of memory or restarting says so.</summary>
    ProtocolError,
    /// <summary>
    /// The message is over the size limit: ours (not sent) or the daemon's own (clamd's <c>StreamMaxLength</c>).
    /// Not temporary: the same message will be as large when retried.
    /// </summary>
    TooLarge,
}

/// <summary>
/// A scanner's failure to judge one message, with the kind the SMTP layer acts on and a detail for the log and the
/// console (English, the daemon's own words where it gave any).
/// </summary>
public sealed record ScanFailure(ScanFailureKind Kind, string Detail)
{
    /// <summary>
    /// True when trying again later may succeed: the SMTP layer answers such a failure with 451 4.7.1 (or accepts the
    /// message marked unscanned if the administrator chose that), never a silent pass. False for <see cref="ScanFailureKind.TooLarge"/>.
    /// </summary>
    public bool IsTemporary => Kind is not ScanFailureKind.TooLarge;
}

/// <summary>The answer to a health check (PING): up with the round trip, or the failure met.</summary>
public sealed record ScannerHealth(TimeSpan RoundTrip, ScanFailure? Failure)
{
    public bool IsUp => Failure is null;
}
