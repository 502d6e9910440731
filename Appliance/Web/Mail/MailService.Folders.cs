using Appliance.Mailstore;

namespace Appliance.Web.Mail;

/// <summary>What a user grants another on a folder, as the sharing dialog offers it.</summary>
public enum ShareLevel { None, Read, ReadWrite, Full }

public sealed record FolderShare(string Address, ShareLevel Level, string Rights);

public sealed partial class MailService
{
    /// <summary>
    /// The three levels in RFC 4314 rights. Read: look up, read, keep its own \Seen. Read-write adds
    /// flags, inserting, deleting and expunging. Full adds creating and deleting folders below it and
    /// administering the ACL, everything the owner has.
    /// </summary>
    public static string RightsOf(ShareLevel level) => level switch
    {
        ShareLevel.Read => "lrs",
        ShareLevel.ReadWrite => "lrswite",
        ShareLevel.Full => MailStore.AllRights,
        _ => "",
    };

    public static ShareLevel LevelOf(string rights) =>
        rights.Contains('a', StringComparison.Ordinal) ? ShareLevel.Full
        : rights.Contains('w', StringComparison.Ordinal) || rights.Contains('i', StringComparison.Ordinal) ? ShareLevel.ReadWrite
        : rights.Contains('r', StringComparison.Ordinal) ? ShareLevel.Read
        : ShareLevel.None;

    public async Task CreateFolderAsync(MailUser user, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(name);
        name = name.Trim();
        if (name.Length == 0 || FolderResolver.IsShared(name) || FolderResolver.IsPublic(name) || name.StartsWith(FolderResolver.OtherUsers, StringComparison.Ordinal)
            || name.StartsWith(FolderResolver.SharedFolders, StringComparison.Ordinal))
        {
            throw new MailActionException("Mail.Error.FolderName", name);
        }
        await Translate(() => store.CreateMailboxAsync(user.Id, name, cancellationToken), name).ConfigureAwait(false);
    }

    public async Task RenameFolderAsync(MailUser user, string path, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newName);
        var folder = await FolderAsync(user, path, 'x', cancellationToken).ConfigureAwait(false);
        if (folder.State.SpecialUse is not null || folder.State.Name == "INBOX")
        {
            throw new MailActionException("Mail.Error.CannotRename", path);
        }
        newName = newName.Trim();
        if (!folder.Personal)
        {
            // Another user's shared folder, or a public one: the same rules as IMAP RENAME ('x', 'k' on the new parent).
            await Translate(() => FolderRenamer.RenameAsync(store, user.Id, user.Address, user.IsAdmin, path, newName, cancellationToken), newName).ConfigureAwait(false);
            events.Changed(folder.State.Id);
            return;
        }
        if (FolderResolver.IsShared(newName) || FolderResolver.IsPublic(newName))
        {
            throw new MailActionException("Mail.Error.FolderName", newName);
        }
        await Translate(() => store.RenameMailboxAsync(user.Id, folder.Name, newName, cancellationToken), newName).ConfigureAwait(false);
    }

    public async Task DeleteFolderAsync(MailUser user, string path, CancellationToken cancellationToken = default)
    {
        var folder = await FolderAsync(user, path, 'x', cancellationToken).ConfigureAwait(false);
        if (!folder.Personal || folder.State.SpecialUse is not null || folder.Name == "INBOX")
        {
            throw new MailActionException("Mail.Error.CannotDelete", path);
        }
        await Translate(() => store.DeleteMailboxAsync(user.Id, folder.Name, cancellationToken), path).ConfigureAwait(false);
        events.Changed(folder.State.Id);
    }

    /// <summary>Who the folder is shared with; the user needs 'a' on it (their own folders, or Full).</summary>
    public async Task<IReadOnlyList<FolderShare>> SharesAsync(MailUser user, string path, CancellationToken cancellationToken = default)
    {
        var folder = await FolderAsync(user, path, 'a', cancellationToken).ConfigureAwait(false);
        var acl = await store.AclAsync(folder.State.Id, cancellationToken).ConfigureAwait(false);
        return [.. acl.Select(a => new FolderShare(a.Identifier, LevelOf(a.Rights), a.Rights))];
    }

    /// <summary>Shares the folder with a user of this server (or stops sharing with <see cref="ShareLevel.None"/>).</summary>
    public async Task ShareAsync(MailUser user, string path, string address, ShareLevel level, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(address);
        var folder = await FolderAsync(user, path, 'a', cancellationToken).ConfigureAwait(false);
        address = address.Trim().ToLowerInvariant();
        if (level != ShareLevel.None)
        {
            var grantee = await users.FindAsync(address, cancellationToken).ConfigureAwait(false);
            if (grantee is null)
            {
                throw new MailActionException("Mail.Error.NoSuchUser", address);
            }
            if (grantee.Id == user.Id)
            {
                throw new MailActionException("Mail.Error.ShareSelf");
            }
        }
        await store.SetAclAsync(folder.State.Id, address, RightsOf(level), cancellationToken).ConfigureAwait(false);
        events.Changed(folder.State.Id);
    }

    /// <summary>Whether readers other than the owner keep their own \Seen in the folder; the user needs 'a' on it.</summary>
    public async Task<bool> PrivateSeenAsync(MailUser user, string path, CancellationToken cancellationToken = default)
    {
        var folder = await FolderAsync(user, path, 'a', cancellationToken).ConfigureAwait(false);
        return folder.State.PrivateSeen;
    }

    /// <summary>
    /// Turns per-user \Seen of a folder on or off (the folder's owner, or whoever holds 'a': administrators on public
    /// folders). Open IMAP sessions see the change when they next select the folder.
    /// </summary>
    public async Task SetPrivateSeenAsync(MailUser user, string path, bool on, CancellationToken cancellationToken = default)
    {
        var folder = await FolderAsync(user, path, 'a', cancellationToken).ConfigureAwait(false);
        await store.SetPrivateSeenAsync(folder.State.Id, on, cancellationToken).ConfigureAwait(false);
        events.Changed(folder.State.Id);
    }

    private static async Task Translate(Func<Task> action, string name)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (MailboxException e)
        {
            throw new MailActionException(e.Code switch
            {
                "ALREADYEXISTS" => "Mail.Error.FolderExists",
                "NONEXISTENT" => "Mail.Error.NoFolder",
                "INUSE" => "Mail.Error.FolderHasChildren",
                "NOPERM" => "Mail.Error.NoRight",
                _ => "Mail.Error.FolderName",
            }, name);
        }
    }
}
