using Appliance.Mailstore;

namespace Appliance.Imap;

/// <summary>A mailbox a session named, whose it is, and what the session may do with it (RFC 4314 rights).</summary>
public sealed record ResolvedMailbox(MailboxState State, long OwnerId, string Rights, bool Personal, string Name)
{
    public bool Has(char right) => Rights.Contains(right, StringComparison.Ordinal);
}

/// <summary>
/// Names as clients see them: the user's own folders at the root, other users' folders shared with
/// them under "Other Users/&lt;address&gt;/" (RFC 2342's other users' namespace), and public folders
/// under "Shared Folders/" (owner id 0: nobody's quota). A shared folder
/// the user may not even look up ('l') does not exist for them, so nothing leaks.
/// </summary>
public static class MailboxResolver
{
    public const string OtherUsers = "Other Users";

    /// <summary>Public folders (RFC 2342's shared namespace): made by administrators, open to whom the ACL says.</summary>
    public const string SharedFolders = "Shared Folders";

    public static bool IsPublic(string name) => name.StartsWith(SharedFolders + "/", StringComparison.Ordinal);

    public static string SharedName(string owner, string name) => $"{OtherUsers}/{owner}/{name}";

    public static bool IsShared(string name) => name.StartsWith(OtherUsers + "/", StringComparison.Ordinal);

    public static async Task<ResolvedMailbox?> ResolveAsync(ImapSession session, string name)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(name);
        var user = session.User!;
        var store = session.Services.Store;
        if (IsPublic(name))
        {
            var folder = await store.FindPublicMailboxAsync(name[(SharedFolders.Length + 1)..], session.Cancellation).ConfigureAwait(false);
            if (folder is null)
            {
                return null;
            }
            var granted = await store.RightsAsync(folder.Id, user.Id, user.Address, user.IsAdmin, session.Cancellation).ConfigureAwait(false);
            return granted.Contains('l', StringComparison.Ordinal)
                ? new ResolvedMailbox(folder, 0, granted, false, $"{SharedFolders}/{folder.Name}")
                : null;
        }
        if (!IsShared(name))
        {
            var own = await store.FindMailboxAsync(user.Id, name, session.Cancellation).ConfigureAwait(false);
            return own is null ? null : new ResolvedMailbox(own, user.Id, MailStore.AllRights, true, own.Name);
        }
        var rest = name[(OtherUsers.Length + 1)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }
        var ownerId = await store.UserIdAsync(rest[..slash], session.Cancellation).ConfigureAwait(false);
        if (ownerId is null || ownerId == user.Id)
        {
            return null;
        }
        var state = await store.FindMailboxAsync(ownerId.Value, rest[(slash + 1)..], session.Cancellation).ConfigureAwait(false);
        if (state is null)
        {
            return null;
        }
        var rights = await store.RightsAsync(state.Id, user.Id, user.Address, user.IsAdmin, session.Cancellation).ConfigureAwait(false);
        return rights.Contains('l', StringComparison.Ordinal)
            ? new ResolvedMailbox(state, ownerId.Value, rights, false, SharedName(rest[..slash].ToLowerInvariant(), state.Name))
            : null;
    }

    /// <summary>Resolves or answers NO [NONEXISTENT], or NO [TRYCREATE] where a client may create it.</summary>
    public static async Task<ResolvedMailbox> RequireAsync(ImapSession session, string name, char right, string? missingCode = "NONEXISTENT")
    {
        var mailbox = await ResolveAsync(session, name).ConfigureAwait(false)
            ?? throw new ImapNoException(missingCode, "No such mailbox");
        if (!mailbox.Has(right))
        {
            throw new ImapNoException("NOPERM", $"You lack the '{right}' right on this mailbox");
        }
        return mailbox;
    }
}
