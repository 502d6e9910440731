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
}
