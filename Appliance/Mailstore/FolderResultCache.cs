namespace Appliance.Mailstore;

/// <summary>
/// What sorting or threading a whole folder came to, kept for the next request of the same over the same messages:
/// Roundcube sorts or threads the folder again for every page it shows, and an office's folder gains mail every few
/// minutes, not every page. One entry per folder and kind (a sort order, a threading algorithm), for the folder's
/// state it was made from (its count of messages and highest UID, see <see cref="ThreadForest.Covers"/>): a newer
/// state replaces it. Messages never change, and flags are no key, so that is all an entry depends on. Bounded in
/// bytes (<see cref="MailstoreOptions.FolderResultCacheBytes"/>): the entries used longest ago go first.
/// </summary>
internal sealed class FolderResultCache(long budgetBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(long MailboxId, string Kind), Entry> _entries = [];
    private long _bytes;
    private long _clock;

    private sealed class Entry(int count, long maxUid, object value, long bytes)
    {
        public int Count { get; } = count;
        public long MaxUid { get; } = maxUid;
        public object Value { get; } = value;
        public long Bytes { get; } = bytes;
        public long Used { get; set; }
    }

    /// <summary>The kept result of this kind for the folder in this state, or null.</summary>
    public T? Get<T>(long mailboxId, string kind, int count, long maxUid) where T : class
    {
        lock (_lock)
        {
            if (_entries.TryGetValue((mailboxId, kind), out var entry) && entry.Count == count && entry.MaxUid == maxUid)
            {
                entry.Used = ++_clock;
                return entry.Value as T;
            }
            return null;
        }
    }

    /// <summary>Keeps a result made from the folder in this state, unless it alone takes more than a quarter of the budget.</summary>
    public void Put(long mailboxId, string kind, int count, long maxUid, object value, long bytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (bytes > budgetBytes / 4)
        {
            return;
        }
        lock (_lock)
        {
            if (_entries.Remove((mailboxId, kind), out var old))
            {
                _bytes -= old.Bytes;
            }
            while (_bytes + bytes > budgetBytes && _entries.Count > 0)
            {
                var oldest = _entries.MinBy(e => e.Value.Used);
                _entries.Remove(oldest.Key);
                _bytes -= oldest.Value.Bytes;
            }
            _entries[(mailboxId, kind)] = new Entry(count, maxUid, value, bytes) { Used = ++_clock };
            _bytes += bytes;
        }
    }

    /// <summary>Entries kept (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }
}
