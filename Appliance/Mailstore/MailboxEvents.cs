namespace Appliance.Mailstore;

/// <summary>
/// Tells open sessions (IMAP, POP3, webmail) that a mailbox changed: a delivery, an append, a flag
/// change, an expunge; and background work waiting for any change (<see cref="WaitForChangeAsync"/>).
/// Only a nudge, sent after the change has committed; each listener reads what changed from the
/// database itself, so a missed or doubled nudge costs a query, never correctness.
/// </summary>
public sealed class MailboxEvents
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, List<Action>> _listeners = [];
    private long _generation;
    private TaskCompletionSource _nextChange = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Counts announcements to any mailbox; read it before looking at the store, then wait with it.</summary>
    public long Generation
    {
        get
        {
            lock (_gate)
            {
                return _generation;
            }
        }
    }

    /// <summary>
    /// Waits for a change to any mailbox announced after <paramref name="seen"/> (a <see cref="Generation"/>),
    /// or for <paramref name="timeout"/>. A change that came between reading the generation and this call
    /// ends the wait at once, so background work (the message indexer) never sleeps through one.
    /// </summary>
    /// <returns>True when something changed, false on timeout.</returns>
    public async Task<bool> WaitForChangeAsync(long seen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task next;
        lock (_gate)
        {
            if (_generation != seen)
            {
                return true;
            }
            next = _nextChange.Task;
        }
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await next.WaitAsync(timer.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

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
        TaskCompletionSource changed;
        lock (_gate)
        {
            _generation++;
            changed = _nextChange;
            _nextChange = new(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var id in mailboxIds.Distinct())
            {
                if (_listeners.TryGetValue(id, out var list))
                {
                    toCall.AddRange(list);
                }
            }
        }
        changed.TrySetResult();
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
