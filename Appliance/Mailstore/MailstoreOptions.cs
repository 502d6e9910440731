namespace Appliance.Mailstore;

/// <summary>
/// <c>Appliance:Mailstore</c>: how much of one message the summaries and the text index take, so that a crafted
/// message costs the indexer what a reader of it can use. Each limit comes with the reason for its default.
/// </summary>
public sealed class MailstoreOptions
{
    public const string Section = "Appliance:Mailstore";

    /// <summary>
    /// Characters of the subject, sender name, To and Cc a summary keeps (the message list and its sorts read them).
    /// Default 1,000: a list shows some 100; a 40 MB subject or 200,000 recipients made every page of the list that
    /// many megabytes.
    /// </summary>
    public int MaxSummaryFieldChars { get; set; } = 1_000;

    /// <summary>
    /// Bytes of text parts (as transferred, before decoding) indexed per message for SEARCH BODY and TEXT; the rest
    /// of a longer text is not searchable. Default 1 MiB: some 150 pages of prose, and a trigram index of it costs
    /// tens of megabytes in SQLite; 40 MB of quoted-printable text became 80 MB strings and a huge index entry.
    /// </summary>
    public int MaxIndexedBodyBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Characters of decoded header fields indexed per message. Default 64 KiB: a real header has a few kilobytes;
    /// 500,000 fields or one 49 MB field are indexed by their start.
    /// </summary>
    public int MaxIndexedHeaderChars { get; set; } = 64 * 1024;

    /// <summary>
    /// Days an expunged message's UID is remembered for QRESYNC (RFC 7162 §3.2), so that a phone or laptop coming back
    /// within that time hears exactly which messages vanished. Default 30: a month away covers holidays, and a record is
    /// some 30 bytes per UID. A client away longer still resyncs correctly, with a longer VANISHED list: every UID it
    /// names that no longer exists. Pruned from a folder when it is next expunged.
    /// </summary>
    public int ExpungedUidRetentionDays { get; set; } = 30;

    /// <summary>
    /// Bytes of sorted and threaded whole folders kept for the next SORT, THREAD or conversation list of the same
    /// messages (Roundcube sorts or threads again for every page it shows). Default 32 MiB: a 100,000-message folder
    /// sorted one way takes 0.8 MB and threaded 2.6 MB, so a dozen large folders' usual views fit; 0 keeps none. A
    /// folder's new or expunged mail makes its next request work afresh.
    /// </summary>
    public long FolderResultCacheBytes { get; set; } = 32L << 20;

}
