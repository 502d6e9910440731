using Appliance.Mailstore;
using Appliance.Web.Mail;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.Web.Virtualization;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;
using Radzen;

namespace Appliance.Web.Components.Mail;

/// <summary>
/// The three panes: folders, the message list of one folder (virtualized: only the rows on screen are
/// read) or of a search, and the reading pane. Changes from other clients arrive through
/// <see cref="MailService.Watch"/> and refresh what is shown without a reload. In the list-only layout (and on a
/// phone) the open message takes the list's place, with a way back. Keyboard shortcuts come from <c>mail/webmail.js</c>.
/// </summary>
public sealed partial class MailPage
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }
    [Inject] private IStringLocalizer<Strings> Localizer { get; set; } = default!;
    [Inject] private WebmailPreferences Preferences { get; set; } = default!;
    [Inject] private HeldSends Held { get; set; } = default!;
    [Inject] private JunkPreferences Junk { get; set; } = default!;
    [Inject] private ContextMenuService ContextMenu { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [SupplyParameterFromQuery(Name = "folder")] public string? FolderQuery { get; set; }
    [SupplyParameterFromQuery(Name = "notice")] public string? Notice { get; set; }
    [SupplyParameterFromQuery(Name = "sent")] public string? SentQuery { get; set; }
    /// <summary>The top bar's search: the body text searched in all folders.</summary>
    [SupplyParameterFromQuery(Name = "q")] public string? Query { get; set; }

    private MailUser? user;
    private IReadOnlyList<FolderNode> folders = [];
    private string folder = "INBOX";
    private FolderNode? current;
    private bool conversations;
    private string SortChoice { get; set; } = "date-desc";
    private readonly HashSet<(string Folder, long Uid)> selected = [];
    private readonly Dictionary<(string Folder, long Uid), string> flagsOf = [];
    private (string Folder, long Uid)? open;
    private (string Folder, long Uid)? dragging;
    private MessageView? view;
    private IReadOnlyList<ListedMessage>? thread;
    private IReadOnlyList<(FolderNode Folder, ListedMessage Message)>? results;
    private Virtualize<ListedMessage>? messageList;
    private Virtualize<ListedThread>? threadList;
    private int threadCount;
    private IDisposable? watch;
    private string watched = "";
    private string? error;
    private string? message;
    private bool ready;
    private int refreshing;
    private MailPreferences preferences = MailPreferences.Default;
    private bool foldersOpen;
    private HeldMessage? sending;
    private SendOutcome? sendOutcome;
    private IJSObjectReference? module;
    private DotNetObjectReference<MailPage>? self;

    /// <summary>Where each loaded row sits in the list, for j and k: the virtualized list holds only what is on screen.</summary>
    private readonly SortedDictionary<int, (string Folder, long Uid)> rowAt = [];

    private sealed record Choice(string Value, string Text);

    private IReadOnlyList<Choice> SortChoices =>
    [
        new("date-desc", Localizer["Mail.Sort.Newest"]),
        new("date-asc", Localizer["Mail.Sort.Oldest"]),
        new("from-asc", Localizer["Mail.Sort.Sender"]),
        new("subject-asc", Localizer["Mail.Sort.Subject"]),
        new("size-desc", Localizer["Mail.Sort.Size"]),
    ];

    private float RowHeight => preferences.Density == RowDensity.Compact ? 40 : 58;

    private string? ArchivePath => folders.FirstOrDefault(f => f.Section == FolderSection.Personal && f.SpecialUse == @"\Archive")?.Path;

    private int RowCount => results?.Count ?? (conversations ? threadCount : current?.Total ?? 0);

    private bool AllSelected => selected.Count > 0 && results is null && selected.Count >= Math.Min(RowCount, flagsOf.Count);

    private bool SelectionFlagged => selected.Count > 0 && selected.All(s => flagsOf.TryGetValue(s, out var f) && MessageFlags.Has(f, MessageFlags.Flagged));

    protected override async Task OnInitializedAsync()
    {
        user = await SignedInUser.LoadAsync(Mail, AuthenticationState).ConfigureAwait(true);
        if (user is null)
        {
            error = Localizer["Mail.Error.NoMailbox"];
            return;
        }
        folder = string.IsNullOrEmpty(FolderQuery) ? "INBOX" : FolderQuery;
        if (Notice is { Length: > 0 } notice && notice.StartsWith("Mail.", StringComparison.Ordinal))
        {
            message = Localizer[notice];
        }
        preferences = await Preferences.GetAsync(user).ConfigureAwait(true);
        await LoadFoldersAsync().ConfigureAwait(true);
        if (current is null)
        {
            folder = "INBOX";
            current = folders.FirstOrDefault(f => f.Path == folder);
        }
        if (Query is { Length: > 0 } q && !string.IsNullOrWhiteSpace(q))
        {
            await SearchAsync((null, new MessageQuery(Body: q.Trim()))).ConfigureAwait(true);
        }
        if (Guid.TryParse(SentQuery, out var id) && Held.Find(user, id) is { } held)
        {
            WatchSend(held);
        }
    }

    /// <summary>Shows "Sending… Undo" until the held message has gone (or was refused), then says so.</summary>
    private void WatchSend(HeldMessage held)
    {
        sending = held;
        sendOutcome = held.Outcome.IsCompleted ? held.Outcome.Result : null;
        if (sendOutcome is not null) return;
        _ = held.Outcome.ContinueWith(done => disposed ? Task.CompletedTask : InvokeAsync(() =>
        {
            if (!disposed && sending == held)
            {
                sendOutcome = done.Result;
                StateHasChanged();
            }
        }), TaskScheduler.Default);
    }

    private async Task UndoSendAsync()
    {
        if (sending is not { } held || user is null) return;
        if (Held.Undo(user, held.Id) is { DraftUid: { } draft })
        {
            var drafts = await Mail.SpecialFolderAsync(user, @"\Drafts").ConfigureAwait(true);
            Navigation.NavigateTo($"/mail/compose?mode=draft&folder={Uri.EscapeDataString(drafts.Name)}&uid={draft}&notice=Mail.SendUndone");
        }
        else
        {
            // Too late: it has gone; the outcome arrives through WatchSend.
            message = Localizer["Mail.UndoTooLate"];
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            self = DotNetObjectReference.Create(this);
            module = await JS.InvokeAsync<IJSObjectReference>("import", "./mail/webmail.js").ConfigureAwait(true);
            await module.InvokeVoidAsync("start", self).ConfigureAwait(true);
        }
        // Not firstRender: the first render can come before OnInitializedAsync has loaded the user (a busy
        // server), and the page would then never say it is ready. See Compose.
        if (!ready && user is not null)
        {
            ready = true;
            StateHasChanged();
        }
        if (scrollToOpen && module is not null)
        {
            scrollToOpen = false;
            await module.InvokeVoidAsync("showOpenRow").ConfigureAwait(true);
        }
    }

    private bool scrollToOpen;

    private async Task LoadFoldersAsync()
    {
        folders = await Mail.FoldersAsync(user!).ConfigureAwait(true);
        current = folders.FirstOrDefault(f => f.Path == folder);
        // One subscription per visible folder; renewed only when the set of folders changes.
        var ids = string.Join(',', folders.Select(f => f.MailboxId));
        if (ids != watched)
        {
            watch?.Dispose();
            watch = Mail.Watch(folders.Select(f => f.MailboxId), OnMailboxChanged);
            watched = ids;
        }
    }

    /// <summary>
    /// Called on the notifier's thread after a commit. Bursts (a delivery to many folders, a bulk flag change)
    /// collapse into one refresh: a second call while one is pending does nothing.
    /// </summary>
    private void OnMailboxChanged()
    {
        if (Interlocked.Exchange(ref refreshing, 1) == 1)
        {
            return;
        }
        _ = InvokeAsync(async () =>
        {
            await Task.Delay(150).ConfigureAwait(true);
            Interlocked.Exchange(ref refreshing, 0);
            try
            {
                await LoadFoldersAsync().ConfigureAwait(true);
                await RefreshListAsync().ConfigureAwait(true);
                StateHasChanged();
            }
            catch (MailActionException)
            {
                // The open folder went away (deleted or unshared by another client): show the inbox.
                await SelectFolderAsync("INBOX").ConfigureAwait(true);
            }
        });
    }

    private async Task RefreshListAsync()
    {
        if (conversations)
        {
            threadCount = await Mail.ThreadCountAsync(user!, folder).ConfigureAwait(true);
            if (threadList is not null) await threadList.RefreshDataAsync().ConfigureAwait(true);
        }
        else if (messageList is not null)
        {
            await messageList.RefreshDataAsync().ConfigureAwait(true);
        }
    }

    private async ValueTask<ItemsProviderResult<ListedMessage>> LoadMessagesAsync(ItemsProviderRequest request)
    {
        if (user is null || current is null)
        {
            return new ItemsProviderResult<ListedMessage>([], 0);
        }
        var (sort, descending) = ParseSort(SortChoice);
        var rows = await Mail.PageAsync(user, folder, sort, descending, request.StartIndex, request.Count, request.CancellationToken).ConfigureAwait(true);
        for (var i = 0; i < rows.Count; i++)
        {
            flagsOf[(folder, rows[i].Uid)] = rows[i].Flags;
            rowAt[request.StartIndex + i] = (folder, rows[i].Uid);
        }
        return new ItemsProviderResult<ListedMessage>(rows, current.Total);
    }

    private async ValueTask<ItemsProviderResult<ListedThread>> LoadThreadsAsync(ItemsProviderRequest request)
    {
        if (user is null || current is null)
        {
            return new ItemsProviderResult<ListedThread>([], 0);
        }
        var rows = await Mail.ThreadsAsync(user, folder, request.StartIndex, request.Count, request.CancellationToken).ConfigureAwait(true);
        for (var i = 0; i < rows.Count; i++)
        {
            flagsOf[(folder, rows[i].Latest.Uid)] = rows[i].Latest.Flags;
            threadAt[request.StartIndex + i] = rows[i];
        }
        return new ItemsProviderResult<ListedThread>(rows, threadCount);
    }

    private static (MessageSort Sort, bool Descending) ParseSort(string choice) => choice switch
    {
        "date-asc" => (MessageSort.Date, false),
        "from-asc" => (MessageSort.From, false),
        "subject-asc" => (MessageSort.Subject, false),
        "size-desc" => (MessageSort.Size, true),
        _ => (MessageSort.Date, true),
    };

    private readonly SortedDictionary<int, ListedThread> threadAt = [];

    private async Task SelectFolderAsync(string path)
    {
        folder = path;
        foldersOpen = false;
        selected.Clear();
        flagsOf.Clear();
        rowAt.Clear();
        threadAt.Clear();
        results = null;
        view = null;
        thread = null;
        open = null;
        error = null;
        await LoadFoldersAsync().ConfigureAwait(true);
        await ReloadListAsync().ConfigureAwait(true);
        Navigation.NavigateTo("/mail?folder=" + Uri.EscapeDataString(path), replace: true);
    }

    private async Task ReloadListAsync()
    {
        selected.Clear();
        rowAt.Clear();
        threadAt.Clear();
        if (conversations && user is not null && current is not null)
        {
            threadCount = await Mail.ThreadCountAsync(user, folder).ConfigureAwait(true);
        }
        StateHasChanged();
        await RefreshListAsync().ConfigureAwait(true);
    }

    private async Task FolderChangedAsync(string? path)
    {
        await LoadFoldersAsync().ConfigureAwait(true);
        if (path is not null)
        {
            await SelectFolderAsync(path).ConfigureAwait(true);
        }
    }

    private bool IsSelected(string path, long uid) => selected.Contains((path, uid));

    private bool IsOpen(string path, long uid) => open == (path, uid);

    private void Toggle((string Folder, long Uid) key)
    {
        if (!selected.Add(key)) selected.Remove(key);
    }

    private void ToggleAll()
    {
        if (AllSelected)
        {
            selected.Clear();
        }
        else
        {
            foreach (var key in flagsOf.Keys.Where(k => k.Folder == folder)) selected.Add(key);
        }
    }

    private void DragStart((string Folder, long Uid) key) => dragging = key;

    private async Task OpenAsync((string Folder, long Uid) key) => await RunAsync(async () =>
    {
        if (thread is not null && !thread.Any(m => m.Uid == key.Uid)) thread = null;
        view = await Mail.ReadAsync(user!, key.Folder, key.Uid).ConfigureAwait(true);
        open = key;
        flagsOf[key] = view.Flags.Contains(MessageFlags.Seen, StringComparison.Ordinal) ? view.Flags : view.Flags + " " + MessageFlags.Seen;
    }).ConfigureAwait(true);

    private async Task OpenThreadAsync(ListedThread conversation) => await RunAsync(async () =>
    {
        thread = await Mail.ThreadAsync(user!, folder, conversation.ThreadKey).ConfigureAwait(true);
        view = await Mail.ReadAsync(user!, folder, conversation.Latest.Uid).ConfigureAwait(true);
        open = (folder, conversation.Latest.Uid);
    }).ConfigureAwait(true);

    private async Task OpenPartAsync(string part) => await RunAsync(async () =>
    {
        view = await Mail.ReadAsync(user!, view!.Folder, view.Uid, part).ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task ShowImagesAsync() => await RunAsync(async () =>
    {
        view = await Mail.ReadAsync(user!, view!.Folder, view.Uid, view.Part, allowRemoteImages: true).ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task TrustSenderAsync() => await RunAsync(async () =>
    {
        await Mail.TrustSenderAsync(user!, view!.FromAddress).ConfigureAwait(true);
        view = await Mail.ReadAsync(user!, view.Folder, view.Uid, view.Part).ConfigureAwait(true);
    }).ConfigureAwait(true);

    /// <summary>The action applies to the checked rows, or to the open message when none is checked.</summary>
    private List<(string Folder, long Uid)> Targets() =>
        selected.Count > 0 ? [.. selected] : open is { } one ? [one] : [];

    private async Task FlagAsync(List<(string Folder, long Uid)> targets, string flag, bool on) => await RunAsync(async () =>
    {
        foreach (var group in targets.GroupBy(t => t.Folder))
        {
            await Mail.SetFlagAsync(user!, group.Key, [.. group.Select(t => t.Uid)], flag, on).ConfigureAwait(true);
        }
        await AfterChangeAsync(keepSelection: true).ConfigureAwait(true);
    }).ConfigureAwait(true);

    /// <summary>The folders a message can move to, as a menu under the toolbar's button.</summary>
    private void OpenMoveMenu(MouseEventArgs args)
    {
        var targets = Targets();
        var items = folders.Where(f => f.Has('i') && f.Path != folder)
            .Select(f => new ContextMenuItem { Text = f.Path, Value = f.Path, Icon = "folder" }).ToList();
        ContextMenu.Open(args, items, async e =>
        {
            ContextMenu.Close();
            await InvokeAsync(() => MoveAsync(targets, (string)e.Value!)).ConfigureAwait(true);
        });
    }

    private Task ArchiveAsync(List<(string Folder, long Uid)> targets) =>
        ArchivePath is { } archive ? MoveAsync([.. targets.Where(t => t.Folder != archive)], archive) : Task.CompletedTask;

    private Task ArchiveOpenAsync() => open is { } key ? ArchiveAsync([key]) : Task.CompletedTask;

    private string? JunkPath => folders.FirstOrDefault(f => f.Section == FolderSection.Personal && f.SpecialUse == @"\Junk")?.Path;

    /// <summary>"Not spam": the open message goes back to the inbox; the move teaches the classifier (JunkTraining).</summary>
    private Task NotSpamAsync() => open is { } key ? MoveAsync([key], "INBOX") : Task.CompletedTask;

    /// <summary>"Not spam: always allow this sender" and "Spam: block this sender": the sender goes on the user's own list, then the move trains the classifier.</summary>
    private async Task ListSenderAsync(Appliance.Filtering.Junk.SenderListKind kind)
    {
        if (open is not { } key || view is null) return;
        var target = kind == Appliance.Filtering.Junk.SenderListKind.Allow ? "INBOX" : JunkPath;
        string stored;
        try
        {
            stored = await Junk.AddAsync(user!, view.FromAddress, kind).ConfigureAwait(true);
        }
        catch (Appliance.Accounts.AccountException e)
        {
            error = Localizer[e.Key, [.. e.Arguments]];
            return;
        }
        if (target is not null && target != key.Folder) await MoveAsync([key], target).ConfigureAwait(true);
        message = Localizer[kind == Appliance.Filtering.Junk.SenderListKind.Allow ? "Junk.Allowed" : "Junk.Blocked", stored];
    }

    private async Task MoveAsync(List<(string Folder, long Uid)> targets, string target) => await RunAsync(async () =>
    {
        foreach (var group in targets.GroupBy(t => t.Folder))
        {
            await Mail.MoveAsync(user!, group.Key, [.. group.Select(t => t.Uid)], target).ConfigureAwait(true);
        }
        message = Localizer["Mail.Moved", targets.Count, target];
        await AfterChangeAsync().ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task DropAsync(string target)
    {
        if (dragging is not { } key) return;
        dragging = null;
        var targets = selected.Contains(key) ? [.. selected] : new List<(string, long)> { key };
        await MoveAsync(targets, target).ConfigureAwait(true);
    }

    private Task DeleteOpenAsync() => open is { } key ? DeleteAsync([key]) : Task.CompletedTask;

    private async Task DeleteAsync(List<(string Folder, long Uid)> targets) => await RunAsync(async () =>
    {
        foreach (var group in targets.GroupBy(t => t.Folder))
        {
            await Mail.DeleteAsync(user!, group.Key, [.. group.Select(t => t.Uid)]).ConfigureAwait(true);
        }
        message = Localizer["Mail.Deleted", targets.Count];
        await AfterChangeAsync().ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task JunkAsync(List<(string Folder, long Uid)> targets) => await RunAsync(async () =>
    {
        foreach (var group in targets.GroupBy(t => t.Folder))
        {
            await Mail.JunkAsync(user!, group.Key, [.. group.Select(t => t.Uid)]).ConfigureAwait(true);
        }
        message = Localizer["Mail.MarkedJunk", targets.Count];
        await AfterChangeAsync().ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task AfterChangeAsync(bool keepSelection = false)
    {
        if (!keepSelection)
        {
            if (open is { } key && selected.Contains(key) || open is not null && selected.Count == 0)
            {
                view = null;
                open = null;
            }
            selected.Clear();
        }
        await LoadFoldersAsync().ConfigureAwait(true);
        if (results is not null && lastQuery is not null)
        {
            results = await Mail.SearchAsync(user!, lastScope, lastQuery).ConfigureAwait(true);
        }
        await RefreshListAsync().ConfigureAwait(true);
    }

    private MessageQuery? lastQuery;
    private string? lastScope;

    private async Task SearchAsync((string? Scope, MessageQuery Query) search) => await RunAsync(async () =>
    {
        lastScope = search.Scope;
        lastQuery = search.Query;
        selected.Clear();
        results = await Mail.SearchAsync(user!, search.Scope, search.Query).ConfigureAwait(true);
        foreach (var (node, found) in results) flagsOf[(node.Path, found.Uid)] = found.Flags;
    }).ConfigureAwait(true);

    private async Task ClearSearchAsync()
    {
        results = null;
        lastQuery = null;
        selected.Clear();
        await ReloadListAsync().ConfigureAwait(true);
    }

    private async Task RunAsync(Func<Task> action)
    {
        error = null;
        message = null;
        try
        {
            await action().ConfigureAwait(true);
        }
        catch (MailActionException e)
        {
            error = Localizer[e.Key, [.. e.Arguments]];
        }
    }

    /// <summary>A hover button or a menu entry of one row; a row that is ticked acts for all the ticked ones.</summary>
    private async Task RowActionAsync(((string Folder, long Uid) Key, RowAction Action) request)
    {
        var targets = selected.Contains(request.Key) ? [.. selected] : new List<(string Folder, long Uid)> { request.Key };
        switch (request.Action)
        {
            case RowAction.Open: await OpenAsync(request.Key).ConfigureAwait(true); break;
            case RowAction.Reply: Navigation.NavigateTo(ComposeLink("reply", request.Key)); break;
            case RowAction.ReplyAll: Navigation.NavigateTo(ComposeLink("all", request.Key)); break;
            case RowAction.Forward: Navigation.NavigateTo(ComposeLink("forward", request.Key)); break;
            case RowAction.MarkRead: await FlagAsync(targets, MessageFlags.Seen, true).ConfigureAwait(true); break;
            case RowAction.MarkUnread: await FlagAsync(targets, MessageFlags.Seen, false).ConfigureAwait(true); break;
            case RowAction.Flag: await FlagAsync(targets, MessageFlags.Flagged, true).ConfigureAwait(true); break;
            case RowAction.Unflag: await FlagAsync(targets, MessageFlags.Flagged, false).ConfigureAwait(true); break;
            case RowAction.Archive: await ArchiveAsync(targets).ConfigureAwait(true); break;
            case RowAction.Junk: await JunkAsync(targets).ConfigureAwait(true); break;
            case RowAction.Delete: await DeleteAsync(targets).ConfigureAwait(true); break;
        }
    }

    private void ShowRowMenu(((string Folder, long Uid) Key, MouseEventArgs Mouse) request)
    {
        var flags = flagsOf.GetValueOrDefault(request.Key, "");
        var seen = MessageFlags.Has(flags, MessageFlags.Seen);
        var flagged = MessageFlags.Has(flags, MessageFlags.Flagged);
        ContextMenuItem Item(RowAction action, string text, string icon) => new() { Text = Localizer[text], Value = action, Icon = icon };
        var items = new List<ContextMenuItem>
        {
            Item(RowAction.Open, "Mail.Open", "mail"),
            Item(RowAction.Reply, "Mail.Reply", "reply"),
            Item(RowAction.ReplyAll, "Mail.ReplyAll", "reply_all"),
            Item(RowAction.Forward, "Mail.Forward", "forward"),
            seen ? Item(RowAction.MarkUnread, "Mail.MarkUnread", "mark_email_unread") : Item(RowAction.MarkRead, "Mail.MarkRead", "drafts"),
            flagged ? Item(RowAction.Unflag, "Mail.Unflag", "outlined_flag") : Item(RowAction.Flag, "Mail.Flag", "flag"),
        };
        if (ArchivePath is { } archive && request.Key.Folder != archive) items.Add(Item(RowAction.Archive, "Mail.Archive", "archive"));
        items.Add(Item(RowAction.Junk, "Mail.Junk", "report"));
        items.Add(Item(RowAction.Delete, "Mail.Delete", "delete"));
        ContextMenu.Open(request.Mouse, items, async e =>
        {
            ContextMenu.Close();
            await InvokeAsync(() => RowActionAsync((request.Key, (RowAction)e.Value!))).ConfigureAwait(true);
        });
    }

    private static string ComposeLink(string mode, (string Folder, long Uid) key) =>
        $"/mail/compose?mode={mode}&folder={Uri.EscapeDataString(key.Folder)}&uid={key.Uid}";

    private void ComposeNew() => Navigation.NavigateTo("/mail/compose");

    private void CloseMessage()
    {
        view = null;
        thread = null;
        open = null;
    }

    private async Task ToggleDensityAsync() => await RunAsync(async () =>
    {
        var density = preferences.Density == RowDensity.Compact ? RowDensity.Comfortable : RowDensity.Compact;
        preferences = preferences with { Density = density };
        await Preferences.SetDensityAsync(user!, density).ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task ToggleLayoutAsync() => await RunAsync(async () =>
    {
        var layout = preferences.Layout == MailLayout.ListOnly ? MailLayout.ThreePane : MailLayout.ListOnly;
        preferences = preferences with { Layout = layout };
        await Preferences.SetLayoutAsync(user!, layout).ConfigureAwait(true);
    }).ConfigureAwait(true);

    private Task ShowShortcutsAsync() =>
        Dialogs.OpenAsync<ShortcutsHelp>(Localizer["Mail.Shortcuts"], options: new DialogOptions { CloseDialogOnEsc = true, CloseDialogOnOverlayClick = true, Width = "min(460px, 95vw)" });

    /// <summary>A key from mail/webmail.js; it sends none while something is being typed.</summary>
    [JSInvokable]
    public async Task Shortcut(string key)
    {
        switch (key)
        {
            case "c": ComposeNew(); break;
            case "r" when open is { } o: Navigation.NavigateTo(ComposeLink("reply", o)); break;
            case "a" when open is { } o: Navigation.NavigateTo(ComposeLink("all", o)); break;
            case "f" when open is { } o: Navigation.NavigateTo(ComposeLink("forward", o)); break;
            case "#" when Targets().Count > 0: await DeleteAsync(Targets()).ConfigureAwait(true); break;
            case "j": await StepAsync(+1).ConfigureAwait(true); break;
            case "k": await StepAsync(-1).ConfigureAwait(true); break;
            case "u": CloseMessage(); break;
            case "?": await ShowShortcutsAsync().ConfigureAwait(true); break;
            default: return;
        }
        StateHasChanged();
    }

    /// <summary>Opens the next (or previous) message of the list, or the first when none is open.</summary>
    private async Task StepAsync(int direction)
    {
        if (conversations && results is null)
        {
            var threads = threadAt.Values.ToList();
            var at = threads.FindIndex(t => open == (folder, t.Latest.Uid));
            var next = at < 0 ? 0 : at + direction;
            if (next >= 0 && next < threads.Count) await OpenThreadAsync(threads[next]).ConfigureAwait(true);
        }
        else
        {
            var order = results is not null ? results.Select(r => (r.Folder.Path, r.Message.Uid)).ToList() : rowAt.Values.ToList();
            var at = open is { } o ? order.IndexOf(o) : -1;
            var next = at < 0 ? 0 : at + direction;
            if (next >= 0 && next < order.Count) await OpenAsync(order[next]).ConfigureAwait(true);
        }
        scrollToOpen = true;
    }

    private volatile bool disposed;

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        watch?.Dispose();
        if (module is not null)
        {
            try
            {
                await module.InvokeVoidAsync("stop").ConfigureAwait(false);
                await module.DisposeAsync().ConfigureAwait(false);
            }
            catch (JSDisconnectedException)
            {
                // The tab is gone, and its listener with it.
            }
        }
        self?.Dispose();
    }
}
