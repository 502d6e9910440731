using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap;

/// <summary>
/// One session's NOTIFY (RFC 5465): which mailboxes it watches for which events, and what has happened to them since
/// it last told the client. Built on <see cref="MailboxEvents"/>: its listener runs on the thread that announced a
/// change and only notes where to look (a mailbox id, "the folders changed", metadata entry names); the session
/// reads the state itself when it delivers, during IDLE, between commands and before a tagged answer.
/// </summary>
/// <remarks>
/// Notes are bounded by <see cref="ImapOptions.MaxQueuedNotifications"/>: changes to one mailbox's messages are one
/// note however many there are; past the bound the session says [NOTIFICATIONOVERFLOW] and NOTIFY is off (§5.8).
/// Mailbox names and subscriptions are those of the user's own folders (personal namespace), compared with what the
/// session saw last: a created folder is LIST, a deleted one LIST (\NonExistent), a renamed one LIST with OLDNAME.
/// </remarks>
public sealed class Notifications : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ImapSession _session;
    private readonly int _limit;
    private readonly IDisposable _subscription;
    private readonly Dictionary<long, string> _lastStatus = [];
    private HashSet<long> _statusPending = [];
    private List<(long? MailboxId, long SetBy, IReadOnlyList<string> Entries)> _metadataPending = [];
    private bool _foldersPending;
    private bool _overflow;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyDictionary<long, Watched> _watched = new Dictionary<long, Watched>();
    private IReadOnlyDictionary<long, string> _folders = new Dictionary<long, string>();
    private IReadOnlySet<string> _subscriptions = new HashSet<string>();

    /// <summary>A mailbox the session watches, by the name the user sees, with the first group that matched it.</summary>
    public sealed record Watched(string Name, NotifyGroup Group);

    private Notifications(ImapSession session, IReadOnlyList<NotifyGroup> groups)
    {
        _session = session;
        Groups = groups;
        SelectedGroup = groups.FirstOrDefault(g => g.IsSelected);
        _limit = session.Services.Options.MaxQueuedNotifications;
        _subscription = session.Services.Events.SubscribeEverywhere(OnChange);
    }

    public IReadOnlyList<NotifyGroup> Groups { get; }

    /// <summary>The selected or selected-delayed group, if the client named one.</summary>
    public NotifyGroup? SelectedGroup { get; }

    /// <summary>The non-selected mailboxes watched now.</summary>
    public IReadOnlyDictionary<long, Watched> WatchedMailboxes => _watched;

    /// <summary>Completes when something was noted since the last delivery.</summary>
    public Task Wake
    {
        get
        {
            lock (_gate)
            {
                return _wake.Task;
            }
        }
    }

    /// <summary>Starts watching: listens first, then reads the folders, so that no change falls between the two.</summary>
    public static async Task<Notifications> StartAsync(ImapSession session, IReadOnlyList<NotifyGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(session);
        var notifications = new Notifications(session, groups);
        try
        {
            await notifications.ReadFoldersAsync().ConfigureAwait(false);
        }
        catch
        {
            notifications.Dispose();
            throw;
        }
        return notifications;
    }

    private bool Wants(NotifyEvent notifyEvent) => Groups.Any(g => g.Has(notifyEvent));

    private void OnChange(MailboxChange change)
    {
        lock (_gate)
        {
            if (_overflow)
            {
                return;
            }
            var noted = false;
            switch (change.Kind)
            {
                case MailboxChangeKind.Messages:
                    foreach (var id in change.MailboxIds)
                    {
                        if (_watched.TryGetValue(id, out var watched) && watched.Group.HasMessageEvents)
                        {
                            noted |= _statusPending.Add(id);
                        }
                    }
                    break;
                case MailboxChangeKind.Folders when change.UserId == _session.User!.Id && (Wants(NotifyEvent.MailboxName) || Wants(NotifyEvent.SubscriptionChange) || Groups.Any(g => !g.IsSelected && g.HasMessageEvents)):
                    noted = !_foldersPending;
                    _foldersPending = true;
                    break;
                case MailboxChangeKind.Metadata when IsWatchedMetadata(change):
                    _metadataPending.Add((change.MailboxIds.Count == 0 ? null : change.MailboxIds.First(), change.UserId ?? 0, change.Entries ?? []));
                    noted = true;
                    break;
            }
            if (!noted)
            {
                return;
            }
            if (_statusPending.Count + _metadataPending.Count + (_foldersPending ? 1 : 0) > _limit)
            {
                _overflow = true;
                _statusPending = [];
                _metadataPending = [];
                _foldersPending = false;
            }
            _wake.TrySetResult();
        }
    }

    private bool IsWatchedMetadata(MailboxChange change)
    {
        if (change.MailboxIds.Count == 0)
        {
            return Wants(NotifyEvent.ServerMetadataChange);
        }
        var id = change.MailboxIds.First();
        return (_watched.TryGetValue(id, out var watched) && watched.Group.Has(NotifyEvent.MailboxMetadataChange))
            || (_session.Selected?.Id == id && SelectedGroup?.Has(NotifyEvent.MailboxMetadataChange) == true);
    }

    /// <summary>
    /// Writes what was noted: LIST for the user's folders that were created, deleted, renamed or (un)subscribed, STATUS
    /// for watched mailboxes whose answer changed, METADATA with the names of changed entries the user may see.
    /// </summary>
    public async Task DeliverAsync()
    {
        HashSet<long> status;
        List<(long? MailboxId, long SetBy, IReadOnlyList<string> Entries)> metadata;
        bool folders, overflow;
        lock (_gate)
        {
            _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (status, metadata, folders, overflow) = (_statusPending, _metadataPending, _foldersPending, _overflow);
            _statusPending = [];
            _metadataPending = [];
            _foldersPending = false;
        }
        if (overflow)
        {
            // RFC 5465 §5.8: the client has to resynchronize by itself, and NOTIFY stays off until it sets it again.
            _session.WriteLine("* OK [NOTIFICATIONOVERFLOW] Too many changes to report; NOTIFY is off");
            _session.StopNotifications();
            return;
        }
        if (folders)
        {
            await ReportFoldersAsync().ConfigureAwait(false);
        }
        foreach (var id in status.Order())
        {
            if (id != _session.Selected?.Id && _watched.TryGetValue(id, out var watched))
            {
                await WriteStatusAsync(id, watched).ConfigureAwait(false);
            }
        }
        var userId = _session.User!.Id;
        foreach (var (mailboxId, setBy, entries) in metadata)
        {
            // /private/ entries are their owner's alone (RFC 5464 §3.3).
            var visible = entries.Where(e => !e.StartsWith(MailStore.PrivatePrefix + "/", StringComparison.Ordinal) || setBy == userId).ToList();
            if (visible.Count == 0)
            {
                continue;
            }
            string shown;
            if (mailboxId is not { } id)
            {
                shown = "\"\"";
            }
            else if (_watched.TryGetValue(id, out var watched))
            {
                shown = ImapSession.EncodeMailbox(watched.Name);
            }
            else if (_session.Selected is { } selected && selected.Id == id)
            {
                shown = ImapSession.EncodeMailbox(_session.SelectedName ?? selected.Name);
            }
            else
            {
                continue;
            }
            // RFC 5464 §4.4.2: the unsolicited form names the entries; the client fetches what it wants.
            _session.WriteLine($"* METADATA {shown} {string.Join(' ', visible.Select(Commands.Metadata.Entry))}");
        }
    }

    /// <summary>
    /// RFC 5465 §5.2–5.4 for a mailbox that is not selected: STATUS with MESSAGES, UIDNEXT and UIDVALIDITY, UNSEEN when
    /// FlagChange is asked for, HIGHESTMODSEQ once CONDSTORE is on; sent only when it differs from the last one sent.
    /// </summary>
    public async Task WriteStatusAsync(long id, Watched watched, bool always = false)
    {
        ArgumentNullException.ThrowIfNull(watched);
        var store = _session.Services.Store;
        var state = await store.MailboxStateAsync(id, _session.Cancellation).ConfigureAwait(false);
        if (state is null)
        {
            return;
        }
        var (messages, unseen) = await store.CountsAsync(id, _session.Cancellation).ConfigureAwait(false);
        var line = string.Create(CultureInfo.InvariantCulture, $"* STATUS {ImapSession.EncodeMailbox(watched.Name)} (MESSAGES {messages} UIDNEXT {state.Uidnext} UIDVALIDITY {state.Uidvalidity}");
        if (watched.Group.Has(NotifyEvent.FlagChange))
        {
            line += string.Create(CultureInfo.InvariantCulture, $" UNSEEN {unseen}");
        }
        if (Condstore.IsEnabled(_session))
        {
            line += string.Create(CultureInfo.InvariantCulture, $" HIGHESTMODSEQ {state.Highestmodseq}");
        }
        line += ")";
        if (!always && _lastStatus.TryGetValue(id, out var last) && last == line)
        {
            return;
        }
        _lastStatus[id] = line;
        _session.WriteLine(line);
    }

    private async Task ReportFoldersAsync()
    {
        var (before, subscribedBefore) = (_folders, _subscriptions);
        await ReadFoldersAsync().ConfigureAwait(false);
        var (after, subscribedAfter) = (_folders, _subscriptions);
        var touched = new HashSet<string>(StringComparer.Ordinal);
        string Attributes(string name, params string[] more) =>
            "(" + string.Join(' ', more.Concat(subscribedAfter.Contains(name) && Wants(NotifyEvent.SubscriptionChange) ? [@"\Subscribed"] : [])) + ")";
        foreach (var (id, name) in before.OrderBy(f => f.Value, StringComparer.Ordinal))
        {
            if (!after.TryGetValue(id, out var now))
            {
                if (NameWatched(name, subscribedBefore, NotifyEvent.MailboxName))
                {
                    _session.WriteLine($"* LIST (\\NonExistent) \"/\" {ImapSession.EncodeMailbox(name)}");
                    touched.Add(name);
                }
            }
            else if (now != name && (NameWatched(name, subscribedBefore, NotifyEvent.MailboxName) || NameWatched(now, subscribedAfter, NotifyEvent.MailboxName)))
            {
                // RFC 5465 §5.4 with RFC 5258's OLDNAME extended item.
                _session.WriteLine($"* LIST {Attributes(now)} \"/\" {ImapSession.EncodeMailbox(now)} (\"OLDNAME\" ({ImapSession.EncodeMailbox(name)}))");
                touched.UnionWith([name, now]);
            }
        }
        foreach (var (id, name) in after.OrderBy(f => f.Value, StringComparer.Ordinal))
        {
            if (!before.ContainsKey(id) && NameWatched(name, subscribedAfter, NotifyEvent.MailboxName))
            {
                _session.WriteLine($"* LIST {Attributes(name)} \"/\" {ImapSession.EncodeMailbox(name)}");
                touched.Add(name);
            }
        }
        // RFC 5465 §5.5: a subscription made or taken away is LIST with or without \Subscribed. Names a LIST above already
        // carried are not repeated.
        foreach (var name in subscribedAfter.Except(subscribedBefore).Order(StringComparer.Ordinal))
        {
            if (!touched.Contains(name) && NameWatched(name, subscribedAfter, NotifyEvent.SubscriptionChange))
            {
                _session.WriteLine($"* LIST (\\Subscribed) \"/\" {ImapSession.EncodeMailbox(name)}");
            }
        }
        foreach (var name in subscribedBefore.Except(subscribedAfter).Order(StringComparer.Ordinal))
        {
            if (!touched.Contains(name) && NameWatched(name, subscribedBefore, NotifyEvent.SubscriptionChange))
            {
                _session.WriteLine($"* LIST () \"/\" {ImapSession.EncodeMailbox(name)}");
            }
        }
    }

    private bool NameWatched(string name, IReadOnlySet<string> subscribed, NotifyEvent notifyEvent) =>
        Groups.FirstOrDefault(g => !g.IsSelected && Matches(g, name, own: true, subscribed)) is { } group && group.Has(notifyEvent);

    /// <summary>Whether a mailbox, by the name the user sees, falls under a group's filter (RFC 5465 §6).</summary>
    public static bool Matches(NotifyGroup group, string name, bool own, IReadOnlySet<string> subscribed)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(subscribed);
        return group.Filter switch
        {
            // Mail is delivered to INBOX only (Sieve's fileinto targets are not known ahead).
            NotifyFilter.Inboxes => own && name == "INBOX",
            NotifyFilter.Personal => own,
            NotifyFilter.Subscribed => subscribed.Contains(name),
            NotifyFilter.Subtree => group.Mailboxes.Any(m => name == m || name.StartsWith(m + "/", StringComparison.Ordinal)),
            NotifyFilter.Mailboxes => group.Mailboxes.Contains(name),
            _ => false,
        };
    }

    /// <summary>Reads the user's folders and subscriptions, and from them which mailboxes are watched.</summary>
    private async Task ReadFoldersAsync()
    {
        var store = _session.Services.Store;
        var user = _session.User!;
        var cancellation = _session.Cancellation;
        var own = await store.MailboxesAsync(user.Id, cancellation).ConfigureAwait(false);
        var subscribed = new HashSet<string>(await store.SubscriptionsAsync(user.Id, cancellation).ConfigureAwait(false), StringComparer.Ordinal);
        var candidates = own.Select(m => (m.Id, m.Name, Own: true)).ToList();
        if (Groups.Any(g => g.Filter is NotifyFilter.Subscribed or NotifyFilter.Subtree or NotifyFilter.Mailboxes))
        {
            // What STATUS and GETMETADATA would refuse ('r') is not told either.
            foreach (var shared in await store.SharedWithAsync(user.Id, user.Address, cancellation).ConfigureAwait(false))
            {
                if (shared.Rights.Contains('r', StringComparison.Ordinal))
                {
                    candidates.Add((shared.Id, MailboxResolver.SharedName(shared.Owner.ToLowerInvariant(), shared.Name), false));
                }
            }
            foreach (var (name, rights) in await store.PublicMailboxesAsync(user.Address, user.IsAdmin, cancellation).ConfigureAwait(false))
            {
                if (rights.Contains('r', StringComparison.Ordinal) && await store.FindPublicMailboxAsync(name, cancellation).ConfigureAwait(false) is { } folder)
                {
                    candidates.Add((folder.Id, $"{MailboxResolver.SharedFolders}/{name}", false));
                }
            }
        }
        var watched = new Dictionary<long, Watched>();
        foreach (var (id, name, isOwn) in candidates)
        {
            if (Groups.FirstOrDefault(g => !g.IsSelected && Matches(g, name, isOwn, subscribed)) is { } group)
            {
                watched[id] = new Watched(name, group);
            }
        }
        _folders = own.ToDictionary(m => m.Id, m => m.Name);
        _subscriptions = subscribed;
        _watched = watched;
    }

    public void Dispose() => _subscription.Dispose();
}
