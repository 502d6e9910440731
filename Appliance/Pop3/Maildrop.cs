namespace Appliance.Pop3;

/// <summary>One message of a session's maildrop: its IMAP UID, its body, and its size as RETR sends it.</summary>
public sealed record MaildropMessage(long Uid, string BlobHash, long Size);

/// <summary>
/// The user's INBOX as the session saw it at sign-in (RFC 1939 §5): message numbers from 1 in UID order,
/// fixed for the whole session, and the deletion marks that QUIT carries out.
/// </summary>
public sealed class Maildrop(long mailboxId, long uidValidity, IReadOnlyList<MaildropMessage> messages)
{
    private readonly bool[] _deleted = new bool[messages.Count];
    private readonly bool[] _retrieved = new bool[messages.Count];

    public long MailboxId { get; } = mailboxId;

    public int Count => messages.Count;

    public int LiveCount => _deleted.Count(d => !d);

    public long LiveSize => messages.Where((_, i) => !_deleted[i]).Sum(m => m.Size);

    public MaildropMessage this[int number] => messages[number - 1];

    public bool IsDeleted(int number) => _deleted[number - 1];

    public void Delete(int number) => _deleted[number - 1] = true;

    public void Reset() => Array.Clear(_deleted);

    /// <summary>RETR (not TOP) read the whole message: it becomes \Seen at QUIT.</summary>
    public void Retrieved(int number) => _retrieved[number - 1] = true;

    /// <summary>Messages read with RETR and not deleted: what UPDATE marks \Seen.</summary>
    public IReadOnlyList<long> RetrievedUids() => messages.Where((_, i) => _retrieved[i] && !_deleted[i]).Select(m => m.Uid).ToList();

    /// <summary>
    /// RFC 1939 §7 UIDL: "UIDVALIDITY.UID". Both stay the same across sessions, and IMAP clients see the
    /// same pair; if the folder is ever made again, its new UIDVALIDITY makes every id new, as it should.
    /// </summary>
    public string UniqueId(int number) => $"{uidValidity}.{messages[number - 1].Uid}";

    public IReadOnlyList<long> DeletedUids() => messages.Where((_, i) => _deleted[i]).Select(m => m.Uid).ToList();

    /// <summary>The numbers of the messages not marked deleted, in order.</summary>
    public IEnumerable<int> LiveNumbers() => Enumerable.Range(1, messages.Count).Where(n => !_deleted[n - 1]);
}
