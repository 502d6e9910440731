using Appliance.Mailstore;
using Appliance.Web.Mail;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web.Virtualization;
using Microsoft.Extensions.Localization;

namespace Appliance.Web.Components.Mail;

/// <summary>
/// The three panes: folders, the message list of one folder (virtualized: only the rows on screen are
/// read) or of a search, and the reading pane. Changes from other clients arrive through
/// <see cref="MailService.Watch"/> and refresh what is shown without a reload.
/// </summary>
public sealed partial class MailPage
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }
    [Inject] private IStringLocalizer<Strings> Localizer { get; set; } = default!;
    [SupplyParameterFromQuery(Name = "folder")] public string? FolderQuery { get; set; }
    [SupplyParameterFromQuery(Name = "notice")] public string? Notice { get; set; }

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
        await LoadFoldersAsync().ConfigureAwait(true);
        if (current is null)
        {
            folder = "INBOX";
            current = folders.FirstOrDefault(f => f.Path == folder);
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Not firstRender: the first render can come before OnInitializedAsync has loaded the user (a busy
        // server), and the page would then never say it is ready. See Compose.
        if (!ready && user is not null)
        {
            ready = true;
            StateHasChanged();
        }
    }

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
        foreach (var row in rows)
        {
            flagsOf[(folder, row.Uid)] = row.Flags;
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
        foreach (var row in rows)
        {
            flagsOf[(folder, row.Latest.Uid)] = row.Latest.Flags;
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

    private async Task SelectFolderAsync(string path)
    {
        folder = path;
        selected.Clear();
        flagsOf.Clear();
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

    private async Task FlagAsync(string flag, bool on) => await RunAsync(async () =>
    {
        foreach (var group in Targets().GroupBy(t => t.Folder))
        {
            await Mail.SetFlagAsync(user!, group.Key, [.. group.Select(t => t.Uid)], flag, on).ConfigureAwait(true);
        }
        await AfterChangeAsync(keepSelection: true).ConfigureAwait(true);
    }).ConfigureAwait(true);

    private async Task MoveSelectedAsync(ChangeEventArgs e)
    {
        if (e.Value is string target && target.Length > 0)
        {
            await MoveAsync(Targets(), target).ConfigureAwait(true);
        }
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

    private Task DeleteSelectedAsync() => DeleteAsync(Targets());

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

    private async Task JunkSelectedAsync() => await RunAsync(async () =>
    {
        var targets = Targets();
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

    public void Dispose() => watch?.Dispose();
}
