namespace Appliance.Mailstore;

/// <summary>
/// Tells open sessions (IMAP, POP3, webmail) that a mailbox changed: a delivery, an append, a flag
/// change, an expunge. Only a nudge, sent after the change has committed; each listener reads what
/// changed from the database itself, so a missed or doubled nudge costs a query, never correctness.
/// </summary>
public sealed class MailboxEvents
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, List<Action>> _listeners = [];

    /// <summary>Calls <paramref name="listener"/> after each change to the mailbox until the returned handle is disposed.</summary>
    public IDisposable Subscribe(long mailboxId, Action listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            if (!_listeners.TryGetValue(mailboxId, out var list))
            {
                _listeners[mailboxId] = list = [];
            }
            list.Add(listener);
        }
        return new Subscription(this, mailboxId, listener);
    }

    /// <summary>Announces committed changes to these mailboxes.</summary>
    public void Changed(params IEnumerable<long> mailboxIds)
    {
        ArgumentNullException.ThrowIfNull(mailboxIds);
        var toCall = new List<Action>();
        lock (_gate)
        {
            foreach (var id in mailboxIds.Distinct())
            {
                if (_listeners.TryGetValue(id, out var list))
                {
                    toCall.AddRange(list);
                }
            }
        }
        foreach (var listener in toCall)
        {
            listener();
        }
    }

    private void Unsubscribe(long mailboxId, Action listener)
    {
        lock (_gate)
        {
            if (_listeners.TryGetValue(mailboxId, out var list) && list.Remove(listener) && list.Count == 0)
            {
                _listeners.Remove(mailboxId);
            }
        }
    }

    private sealed class Subscription(MailboxEvents owner, long mailboxId, Action listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(mailboxId, listener);
            }
        }
    }
}
