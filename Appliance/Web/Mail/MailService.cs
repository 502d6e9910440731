using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;
using Microsoft.Extensions.Options;

namespace Appliance.Web.Mail;

/// <summary>The signed-in user as the web client acts for them.</summary>
public sealed record MailUser(long Id, string Address, string DisplayName, bool IsAdmin, long QuotaBytes);

public enum FolderSection { Personal, OtherUsers, Public }

/// <summary>One line of the folder tree: the full name clients use (IMAP's), indented by <see cref="Depth"/>.</summary>
public sealed record FolderNode(string Path, string DisplayName, int Depth, FolderSection Section, string? SpecialUse, long MailboxId, string Rights, string? Owner)
{
    public int Total { get; init; }
    public int Unread { get; init; }

    /// <summary>This user keeps their own \Seen here (a shared or public folder with per-user \Seen on).</summary>
    public bool PrivateSeen { get; init; }

    public bool Has(char right) => Rights.Contains(right, StringComparison.Ordinal);
}

/// <summary>A refusal the page shows in the user's language: a resource key and its arguments.</summary>
public sealed class MailActionException(string key, params object[] arguments) : Exception(key)
{
    public string Key { get; } = key;
    public IReadOnlyList<object> Arguments { get; } = arguments;
}

/// <summary>
/// What the web client does with mail, as the signed-in user: the same store, rights (RFC 4314 ACL) and
/// submission pipeline as IMAP and SMTP, never around them. Every method checks the user's rights on
/// the folder it touches; the pages only display.
/// </summary>
public sealed partial class MailService(
    MailStore store,
    MessageSummaries summaries,
    MessageLoader messages,
    MailboxEvents events,
    UserRepository users,
    AliasRepository aliases,
    GroupRepository groups,
    Submission submission,
    MailboxWriter writer,
    TrustedSenders trusted,
    JunkTraining training,
    SettingsRepository settings,
    IOptions<WebmailOptions> options,
    TimeProvider time)
{
    /// <summary>How special folders sort: what a desktop client shows first.</summary>
    private static readonly string[] SpecialOrder = [@"\Drafts", @"\Sent", @"\Junk", @"\Trash", @"\Archive"];

    public WebmailOptions Options => options.Value;

    public async Task<MailUser?> UserAsync(string address, CancellationToken cancellationToken = default)
    {
        var user = await users.FindAsync(address, cancellationToken).ConfigureAwait(false);
        if (user is null || user.Disabled)
        {
            return null;
        }
        await store.EnsureDefaultsAsync(user.Id, cancellationToken).ConfigureAwait(false);
        return new MailUser(user.Id, user.Address, user.DisplayName, user.IsAdmin, user.QuotaBytes);
    }

    /// <summary>
    /// The tree: INBOX, then the special folders, then the others by name (children under their parent);
    /// then folders other users share with this one, then public folders, each under its own heading.
    /// </summary>
    public async Task<IReadOnlyList<FolderNode>> FoldersAsync(MailUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var nodes = new List<FolderNode>();
        var own = await store.MailboxesAsync(user.Id, cancellationToken).ConfigureAwait(false);
        foreach (var mailbox in own.OrderBy(m => OwnRank(m.Name, m.SpecialUse)).ThenBy(m => m.Name, StringComparer.OrdinalIgnoreCase))
        {
            nodes.Add(Node(mailbox.Name, mailbox.Name, FolderSection.Personal, mailbox.SpecialUse, mailbox.Id, MailStore.AllRights, null));
        }
        foreach (var shared in await store.SharedWithAsync(user.Id, user.Address, cancellationToken).ConfigureAwait(false))
        {
            nodes.Add(Node(FolderResolver.SharedName(shared.Owner, shared.Name), shared.Name, FolderSection.OtherUsers, null, shared.Id, shared.Rights, shared.Owner)
                with { PrivateSeen = shared.PrivateSeen });
        }
        foreach (var (name, rights) in await store.PublicMailboxesAsync(user.Address, user.IsAdmin, cancellationToken).ConfigureAwait(false))
        {
            var state = await store.FindPublicMailboxAsync(name, cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                nodes.Add(Node($"{FolderResolver.SharedFolders}/{name}", name, FolderSection.Public, null, state.Id, rights, null)
                    with { PrivateSeen = state.SeenReader(user.Id) is not null });
            }
        }
        var readable = nodes.Where(n => n.Has('r')).ToList();
        var counts = await summaries.CountsAsync([.. readable.Select(n => n.MailboxId)], SeenOf(user, readable), cancellationToken).ConfigureAwait(false);
        return [.. nodes.Select(n => counts.TryGetValue(n.MailboxId, out var c) ? n with { Total = c.Total, Unread = c.Unread } : n)];
    }

    /// <summary>The user's own \Seen in those of these folders that keep it apart; null when none does.</summary>
    private static SeenView? SeenOf(MailUser user, IEnumerable<FolderNode> folders)
    {
        var own = folders.Where(f => f.PrivateSeen).Select(f => f.MailboxId).ToList();
        return own.Count == 0 ? null : new SeenView(user.Id, own);
    }

    private static FolderNode Node(string path, string name, FolderSection section, string? specialUse, long id, string rights, string? owner)
    {
        var depth = name.Count(c => c == MailStore.Separator);
        var display = depth == 0 ? name : name[(name.LastIndexOf(MailStore.Separator) + 1)..];
        return new FolderNode(path, display, depth, section, specialUse, id, rights, owner);
    }

    /// <summary>Sort key that keeps INBOX and the special folders (and whatever lies under them) first.</summary>
    private static string OwnRank(string name, string? specialUse)
    {
        var top = name.Split(MailStore.Separator)[0];
        if (top.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return "0" + name;
        var special = specialUse is null ? -1 : Array.IndexOf(SpecialOrder, specialUse);
        if (special < 0 && name.Contains(MailStore.Separator, StringComparison.Ordinal)) special = -1;
        return special >= 0 ? "1" + special + name : "2" + name;
    }

    /// <summary>Resolves a folder the user may at least read, or refuses.</summary>
    public async Task<ResolvedMailbox> FolderAsync(MailUser user, string path, char right = 'r', CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var resolved = await FolderResolver.ResolveAsync(store, user.Id, user.Address, user.IsAdmin, path, cancellationToken).ConfigureAwait(false)
            ?? throw new MailActionException("Mail.Error.NoFolder", path);
        if (!resolved.Has(right))
        {
            throw new MailActionException("Mail.Error.NoRight", path);
        }
        return resolved;
    }

    /// <summary>A folder of the user's own by its special use (\Sent, \Drafts, \Trash, \Junk).</summary>
    public async Task<Mailbox> SpecialFolderAsync(MailUser user, string specialUse, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var all = await store.MailboxesAsync(user.Id, cancellationToken).ConfigureAwait(false);
        var found = all.FirstOrDefault(m => m.SpecialUse == specialUse);
        if (found is null)
        {
            await store.EnsureDefaultsAsync(user.Id, cancellationToken).ConfigureAwait(false);
            all = await store.MailboxesAsync(user.Id, cancellationToken).ConfigureAwait(false);
            found = all.FirstOrDefault(m => m.SpecialUse == specialUse) ?? throw new MailActionException("Mail.Error.NoFolder", specialUse);
        }
        return found;
    }

    /// <summary>Calls back after each committed change to these folders (deliveries, other clients' flags and moves).</summary>
    public IDisposable Watch(IEnumerable<long> mailboxIds, Action changed)
    {
        ArgumentNullException.ThrowIfNull(mailboxIds);
        var subscriptions = mailboxIds.Distinct().Select(id => events.Subscribe(id, changed)).ToList();
        return new Subscriptions(subscriptions);
    }

    private sealed class Subscriptions(List<IDisposable> all) : IDisposable
    {
        public void Dispose() => all.ForEach(s => s.Dispose());
    }
}
