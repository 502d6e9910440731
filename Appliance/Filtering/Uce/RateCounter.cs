namespace Appliance.Filtering.Uce;

/// <summary>
/// Events per key over a sliding window, in memory, bounded: the count is this window's plus the previous window's
/// weighted by how much of it still overlaps (the estimate nginx and Cloudflare use), so a burst across a window's
/// edge is not counted twice as cheap. At most <c>maxKeys</c> keys: when full, expired keys go first, then the
/// stalest, so a flood of addresses costs bounded memory and forgets no active sender early.
/// </summary>
public sealed class RateCounter(TimeProvider time, TimeSpan window, int maxKeys)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public long WindowStart;
        public int Current;
        public int Previous;
    }

    public int Count
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    /// <summary>Counts <paramref name="amount"/> events for the key unless that takes it past <paramref name="limit"/>; a refused take counts nothing.</summary>
    public bool TryTake(string key, int limit, int amount = 1)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (limit <= 0) return true;
        var now = time.GetTimestamp();
        var length = (long)(window.TotalSeconds * time.TimestampFrequency);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                if (_entries.Count >= maxKeys) Evict(now, length);
                entry = new Entry { WindowStart = now };
                _entries[key] = entry;
            }
            Roll(entry, now, length);
            var overlap = 1 - (double)(now - entry.WindowStart) / length;
            var estimate = entry.Current + entry.Previous * overlap;
            if (estimate + amount > limit) return false;
            entry.Current += amount;
            return true;
        }
    }

    private static void Roll(Entry entry, long now, long length)
    {
        var elapsed = now - entry.WindowStart;
        if (elapsed < length) return;
        entry.Previous = elapsed < 2 * length ? entry.Current : 0;
        entry.Current = 0;
        entry.WindowStart += elapsed / length * length;
    }

    private void Evict(long now, long length)
    {
        foreach (var (key, entry) in _entries.Where(e => now - e.Value.WindowStart >= 2 * length).ToArray())
        {
            _entries.Remove(key);
        }
        if (_entries.Count < maxKeys) return;
        // Still full of live keys: drop the stalest tenth at once, so eviction is not paid on every new key.
        foreach (var key in _entries.OrderBy(e => e.Value.WindowStart).Take(Math.Max(1, maxKeys / 10)).Select(e => e.Key).ToArray())
        {
            _entries.Remove(key);
        }
    }
}
