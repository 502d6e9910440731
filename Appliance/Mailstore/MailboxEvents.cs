namespace Appliance.Mailstore;

/// <summary>What a change was about, for listeners of every mailbox (IMAP NOTIFY).</summary>
public enum MailboxChangeKind
{
    /// <summary>Messages or flags in <see cref="MailboxChange.MailboxIds"/>.</summary>
    Messages,

    /// <summary>The folder list or the subscriptions of <see cref="MailboxChange.UserId"/> (null: the public folders).</summary>
    Folders,

    /// <summary>METADATA <see cref="MailboxChange.Entries"/> of a mailbox (or of the server, no id), set by <see cref="MailboxChange.UserId"/>.</summary>
    Metadata,
}

/// <summary>
/// One announcement to the listeners of every mailbox. Still a nudge: the ids and entry names say where to look,
/// never what the new state is, which listeners read from the database.
/// </summary>
public sealed record MailboxChange(MailboxChangeKind Kind, IReadOnlyCollection<long> MailboxIds, long? UserId = null, IReadOnlyList<string>? Entries = null);

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
    private readonly List<Action<MailboxChange>> _everywhere = [];
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

    /// <summary>
    /// Calls <paramref name="listener"/> after every announcement, whichever mailbox it is about, until the handle is
    /// disposed (IMAP NOTIFY watches many mailboxes, some not made yet). The listener runs on the announcing thread:
    /// it must only note the change and return.
    /// </summary>
    public IDisposable SubscribeEverywhere(Action<MailboxChange> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _everywhere.Add(listener);
        }
        return new EverywhereSubscription(this, listener);
    }

    /// <summary>Announces committed changes to these mailboxes.</summary>
    public void Changed(params IEnumerable<long> mailboxIds)
    {
        ArgumentNullException.ThrowIfNull(mailboxIds);
        var ids = mailboxIds.Distinct().ToList();
        var toCall = new List<Action>();
        Action<MailboxChange>[] everywhere;
        TaskCompletionSource changed;
        lock (_gate)
        {
            _generation++;
            changed = _nextChange;
            _nextChange = new(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var id in ids)
            {
                if (_listeners.TryGetValue(id, out var list))
                {
                    toCall.AddRange(list);
                }
            }
            everywhere = [.. _everywhere];
        }
        changed.TrySetResult();
        foreach (var listener in toCall)
        {
            listener();
        }
        Tell(everywhere, new MailboxChange(MailboxChangeKind.Messages, ids));
    }

    /// <summary>Announces that a user's folders or subscriptions changed (null: the public folders): created, deleted, renamed, (un)subscribed.</summary>
    public void FoldersChanged(long? userId) => Tell(Everywhere(), new MailboxChange(MailboxChangeKind.Folders, [], userId));

    /// <summary>Announces METADATA entries set or removed by <paramref name="userId"/> on a mailbox, or on the server when <paramref name="mailboxId"/> is null.</summary>
    public void MetadataChanged(long? mailboxId, long userId, IReadOnlyList<string> entries) =>
        Tell(Everywhere(), new MailboxChange(MailboxChangeKind.Metadata, mailboxId is { } id ? [id] : [], userId, entries));

    private Action<MailboxChange>[] Everywhere()
    {
        lock (_gate)
        {
            return [.. _everywhere];
        }
    }

    private static void Tell(Action<MailboxChange>[] listeners, MailboxChange change)
    {
        foreach (var listener in listeners)
        {
            listener(change);
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

    private sealed class EverywhereSubscription(MailboxEvents owner, Action<MailboxChange> listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (owner._gate)
                {
                    owner._everywhere.Remove(listener);
                }
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
