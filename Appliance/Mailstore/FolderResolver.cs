namespace Appliance.Mailstore;

/// <summary>A mailbox a user named, whose it is, and what the user may do with it (RFC 4314 rights).</summary>
public sealed record ResolvedMailbox(MailboxState State, long OwnerId, string Rights, bool Personal, string Name)
{
    public bool Has(char right) => Rights.Contains(right, StringComparison.Ordinal);
}

/// <summary>
/// Folder names as every client sees them (IMAP and the webmail alike): the user's own folders at the root,
/// other users' folders shared with them under "Other Users/&lt;address&gt;/" (RFC 2342's other users'
/// namespace), and public folders under "Shared Folders/" (owner id 0: nobody's quota). A shared folder the
/// user may not even look up ('l') does not exist for them, so nothing leaks.
/// </summary>
public static class FolderResolver
{
    public const string OtherUsers = "Other Users";

    /// <summary>Public folders (RFC 2342's shared namespace): made by administrators, open to whom the ACL says.</summary>
    public const string SharedFolders = "Shared Folders";

    public static bool IsPublic(string name) => name.StartsWith(SharedFolders + "/", StringComparison.Ordinal);

    public static string SharedName(string owner, string name) => $"{OtherUsers}/{owner}/{name}";

    public static bool IsShared(string name) => name.StartsWith(OtherUsers + "/", StringComparison.Ordinal);

    public static async Task<ResolvedMailbox?> ResolveAsync(MailStore store, long userId, string address, bool isAdmin, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(name);
        if (IsPublic(name))
        {
            var folder = await store.FindPublicMailboxAsync(name[(SharedFolders.Length + 1)..], cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                return null;
            }
            var granted = await store.RightsAsync(folder.Id, userId, address, isAdmin, cancellationToken).ConfigureAwait(false);
            return granted.Contains('l', StringComparison.Ordinal)
                ? new ResolvedMailbox(folder, 0, granted, false, $"{SharedFolders}/{folder.Name}")
                : null;
        }
        if (!IsShared(name))
        {
            var own = await store.FindMailboxAsync(userId, name, cancellationToken).ConfigureAwait(false);
            return own is null ? null : new ResolvedMailbox(own, userId, MailStore.AllRights, true, own.Name);
        }
        var rest = name[(OtherUsers.Length + 1)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }
        var ownerId = await store.UserIdAsync(rest[..slash], cancellationToken).ConfigureAwait(false);
        if (ownerId is null || ownerId == userId)
        {
            return null;
        }
        var state = await store.FindMailboxAsync(ownerId.Value, rest[(slash + 1)..], cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return null;
        }
        var rights = await store.RightsAsync(state.Id, userId, address, isAdmin, cancellationToken).ConfigureAwait(false);
        return rights.Contains('l', StringComparison.Ordinal)
            ? new ResolvedMailbox(state, ownerId.Value, rights, false, SharedName(rest[..slash].ToLowerInvariant(), state.Name))
            : null;
    }
}
