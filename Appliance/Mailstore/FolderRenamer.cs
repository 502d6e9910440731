namespace Appliance.Mailstore;

/// <summary>
/// RENAME as every client names folders (IMAP and the webmail alike): a user's own folders, and other users' shared and
/// public folders for those with the right. RFC 4314 §4: RENAME needs 'x' on the folder and 'k' on the new name's parent.
/// A folder stays in its namespace and with its owner. At the top of a namespace there is no parent to hold 'k': a
/// folder already there may be renamed in place with 'x', but moving one up to it is its owner's (for public folders,
/// administrators') decision, as making a folder there is.
/// </summary>
public static class FolderRenamer
{
    /// <returns>The folder as it was resolved before the rename (its id is unchanged), or null when it was not found.</returns>
    /// <exception cref="MailboxException">NONEXISTENT, NOPERM, CANNOT or ALREADYEXISTS (RFC 5530).</exception>
    public static async Task<ResolvedMailbox?> RenameAsync(MailStore store, long userId, string address, bool isAdmin, string from, string to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var source = await FolderResolver.ResolveAsync(store, userId, address, isAdmin, from, cancellationToken).ConfigureAwait(false);
        if (source is { Personal: true } || (source is null && !FolderResolver.IsShared(from) && !FolderResolver.IsPublic(from)))
        {
            if (FolderResolver.IsShared(to) || FolderResolver.IsPublic(to))
            {
                throw new MailboxException("CANNOT", "A folder cannot move to another user or to the public folders");
            }
            await store.RenameMailboxAsync(userId, from, to, cancellationToken).ConfigureAwait(false);
            return source;
        }
        if (source is null)
        {
            throw new MailboxException("NONEXISTENT", "No such mailbox");
        }
        if (!source.Has('x'))
        {
            throw new MailboxException("NOPERM", "You lack the 'x' right on this mailbox");
        }
        // The namespace and owner part of the name, as resolved ("Other Users/bob@example.com/" or "Shared Folders/").
        var prefix = source.Name[..^source.State.Name.Length];
        if (!to.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || to.Length == prefix.Length)
        {
            throw new MailboxException("CANNOT", "A folder stays with its owner: rename it within " + prefix.TrimEnd(MailStore.Separator));
        }
        var newName = to[prefix.Length..].TrimEnd(MailStore.Separator);
        var isPublic = source.State.UserId is null;
        if (!isPublic && source.State.Name == "INBOX")
        {
            throw new MailboxException("CANNOT", "An INBOX is renamed by its owner only");
        }
        await RequireParentRightAsync(store, userId, address, isAdmin, prefix, source.State.Name, newName, isPublic, cancellationToken).ConfigureAwait(false);
        if (isPublic)
        {
            await store.RenamePublicMailboxAsync(source.State.Name, newName, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await store.RenameMailboxAsync(source.OwnerId, source.State.Name, newName, cancellationToken).ConfigureAwait(false);
        }
        return source;
    }

    /// <summary>'k' on the nearest existing folder above the new name; at the top, see the class remarks.</summary>
    private static async Task RequireParentRightAsync(MailStore store, long userId, string address, bool isAdmin, string prefix, string oldName, string newName,
        bool isPublic, CancellationToken cancellationToken)
    {
        var parent = newName;
        while (parent.LastIndexOf(MailStore.Separator) is var slash and > 0)
        {
            parent = parent[..slash];
            var found = await FolderResolver.ResolveAsync(store, userId, address, isAdmin, prefix + parent, cancellationToken).ConfigureAwait(false);
            if (found is not null)
            {
                if (!found.Has('k'))
                {
                    throw new MailboxException("NOPERM", $"You lack the 'k' right on {prefix}{parent}");
                }
                return;
            }
        }
        // Nothing above: the top of the owner's (or the public) hierarchy.
        if (isPublic && isAdmin)
        {
            return;
        }
        if (oldName.Contains(MailStore.Separator, StringComparison.Ordinal) || newName.Contains(MailStore.Separator, StringComparison.Ordinal))
        {
            throw new MailboxException("NOPERM", isPublic
                ? "Only administrators make folders at the top of the public folders"
                : "Only the owner makes folders at the top of their hierarchy");
        }
    }
}
