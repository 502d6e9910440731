namespace Appliance.Imap;

/// <summary>
/// Counts signed-in IMAP sessions per user and connections per client address, for
/// <see cref="ImapOptions.MaxConnectionsPerUser"/> and <see cref="ImapOptions.MaxConnectionsPerAddress"/>.
/// </summary>
public sealed class ImapConnections
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, int> _counts = [];
    private readonly Dictionary<System.Net.IPAddress, int> _addresses = [];

    public bool TryAcquireAddress(System.Net.IPAddress address, int limit)
    {
        lock (_gate)
        {
            var count = _addresses.GetValueOrDefault(address);
            if (count >= limit)
            {
                return false;
            }
            _addresses[address] = count + 1;
            return true;
        }
    }

    public void ReleaseAddress(System.Net.IPAddress address)
    {
        lock (_gate)
        {
            if (_addresses.TryGetValue(address, out var count))
            {
                if (count <= 1) _addresses.Remove(address);
                else _addresses[address] = count - 1;
            }
        }
    }

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
}
