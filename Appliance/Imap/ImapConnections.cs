namespace Appliance.Imap;

/// <summary>Counts signed-in IMAP sessions per user, for <see cref="ImapOptions.MaxConnectionsPerUser"/>.</summary>
public sealed class ImapConnections
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, int> _counts = [];

    public bool TryAcquire(long userId, int limit)
    {
        lock (_gate)
        {
            var count = _counts.GetValueOrDefault(userId);
            if (count >= limit)
            {
                return false;
            }
            _counts[userId] = count + 1;
            return true;
        }
    }

    public void Release(long userId)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(userId, out var count))
            {
                if (count <= 1) _counts.Remove(userId);
                else _counts[userId] = count - 1;
            }
        }
    }

    public int Count(long userId)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(userId);
        }
    }
}
