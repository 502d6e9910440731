using System.Collections.Concurrent;

namespace Appliance.Pop3;

/// <summary>
/// RFC 1939 §8: the maildrop is locked for the length of a POP3 session, so that two sessions never
/// delete behind each other's message numbers. Process-wide, by user; released however the session ends.
/// IMAP sessions do not take it: they learn of POP3 deletions through MailboxEvents.
/// </summary>
public sealed class Pop3Locks
{
    private readonly ConcurrentDictionary<long, string> _held = new();

    /// <summary>The lock on the user's maildrop, or null when another session holds it.</summary>
    public IDisposable? TryAcquire(long userId, string session) =>
        _held.TryAdd(userId, session) ? new Holder(this, userId, session) : null;

    public bool IsHeld(long userId) => _held.ContainsKey(userId);

    private sealed class Holder(Pop3Locks owner, long userId, string session) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner._held.TryRemove(new KeyValuePair<long, string>(userId, session));
            }
        }
    }
}

/// <summary>
/// Sizes of messages as POP3 sends them, by blob. Blobs are named by their content and never change,
/// so a size measured once holds for every later session; bounded so it cannot grow without end.
/// </summary>
public sealed class Pop3SizeCache
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, long> _sizes = new(StringComparer.Ordinal);

    public bool TryGet(string blobHash, out long size) => _sizes.TryGetValue(blobHash, out size);

    public void Add(string blobHash, long size)
    {
        if (_sizes.Count >= MaxEntries)
        {
            _sizes.Clear();
        }
        _sizes[blobHash] = size;
    }
}
