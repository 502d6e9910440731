namespace Appliance.Imap;

/// <summary><c>Appliance:Imap</c>: limits of the IMAP listeners, each with the reason for its default.</summary>
public sealed class ImapOptions
{
    public const string Section = "Appliance:Imap";

    /// <summary>Longest command line, literals not counted. RFC 7162 §4 asks servers to take at least 8192 octets.</summary>
    public int MaxLineLength { get; set; } = 65536;

    /// <summary>Largest literal (an APPENDed message); bigger ones get NO [TOOBIG]. Default 50 MiB, as SMTP's message size.</summary>
    public long MaxLiteralSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Whether non-synchronizing literals of any size are taken (RFC 7888 LITERAL+, advertised with LITERAL-). Off, only
    /// LITERAL- is offered: one over 4096 octets is read, discarded and answered BAD [TOOBIG] (RFC 7888 §5). On by
    /// default: a client that sends big ones (MailKit does when LITERAL+ is offered) saves a round trip per message.
    /// </summary>
    public bool LiteralPlus { get; set; } = true;

    /// <summary>
    /// Octets all literals of one APPEND may add up to: MULTIAPPEND (RFC 3502) sends several messages in one command,
    /// which is stored whole or not at all, so it is read whole first. Default 200 MiB, four messages of the largest
    /// size; they wait in a spool file in the blob store's tmp folder, not in memory. Bigger gets NO [TOOBIG].
    /// </summary>
    public long MaxAppendSize { get; set; } = 200L * 1024 * 1024;

    /// <summary>Minutes an idle or silent session is kept. RFC 3501 §5.4: at least 30.</summary>
    public int IdleTimeoutMinutes { get; set; } = 30;

    /// <summary>Minutes to wait for a client before it has signed in. Short: an unauthenticated socket serves nobody.</summary>
    public int PreAuthTimeoutMinutes { get; set; } = 1;

    /// <summary>Failed LOGIN/AUTHENTICATE attempts before the session is closed.</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>BAD responses in a row before the session is closed: a confused client stops costing anything.</summary>
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>Simultaneous sessions of one user (phones, desktops and webmail together stay well below).</summary>
    public int MaxConnectionsPerUser { get; set; } = 50;

    /// <summary>
    /// Simultaneous connections from one client address, signed in or not. High, because a whole office
    /// may come from one address behind its router; it stops one host from taking every socket.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 1000;

    /// <summary>
    /// Bytes of ENVELOPE and BODYSTRUCTURE answers kept for messages fetched again. Default 32 MiB: some 20,000
    /// ordinary messages (the entry cap); without a byte budget, messages of thousands of parts each kept megabytes.
    /// </summary>
    public long StructureCacheBytes { get; set; } = 32L << 20;

    /// <summary>
    /// Largest METADATA value (RFC 5464); a bigger one gets NO [METADATA MAXSIZE n]. Default 64 KiB: a comment or a
    /// client's settings blob, never a message (Dovecot and Cyrus keep annotations small too).
    /// </summary>
    public int MetadataMaxValueSize { get; set; } = 64 * 1024;

    /// <summary>Longest METADATA entry name. 1024 characters: deep vendor paths fit, a name is never a payload.</summary>
    public int MetadataMaxNameLength { get; set; } = 1024;

    /// <summary>
    /// Entries one user sees on one mailbox (or the server): the shared ones and their own private ones; past it
    /// NO [METADATA TOOMANY]. 100 leaves room for several clients' vendor entries and bounds one GETMETADATA answer.
    /// </summary>
    public int MetadataMaxEntriesPerMailbox { get; set; } = 100;

    /// <summary>Octets of METADATA values one user may have set in all; past it NO [OVERQUOTA]. 1 MiB: far above what clients keep, and outside the mail quota.</summary>
    public long MetadataMaxBytesPerUser { get; set; } = 1L << 20;

    /// <summary>The server's /shared/admin entry (RFC 5464 §3.2.1), a URI; empty means mailto:postmaster at the host name. An administrator may set another.</summary>
    public string MetadataAdmin { get; set; } = "";

    /// <summary>
    /// Changes one NOTIFY session may have waiting to be told (RFC 5465 §5.8): a mailbox's messages count once however
    /// much changed, each METADATA change once. Past it the session says [NOTIFICATIONOVERFLOW] and NOTIFY is off.
    /// 1000 is far above what a client that reads its socket lets pile up, and bounds a stalled one's memory.
    /// </summary>
    public int MaxQueuedNotifications { get; set; } = 1000;

    /// <summary>
    /// Offer COMPRESS=DEFLATE (RFC 4978) once signed in: mobile clients save most of their traffic with it. An idle
    /// compressed connection keeps no zlib stream, only up to 32 KiB of what its client sent (usually a few hundred bytes).
    /// </summary>
    public bool Compress { get; set; } = true;
}
