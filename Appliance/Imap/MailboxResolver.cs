using Appliance.Mailstore;

namespace Appliance.Imap;

/// <summary>The session's view of <see cref="FolderResolver"/>, with IMAP's answers when a name does not resolve.</summary>
public static class MailboxResolver
{
    public const string OtherUsers = FolderResolver.OtherUsers;

    public const string SharedFolders = FolderResolver.SharedFolders;

    public static bool IsPublic(string name) => FolderResolver.IsPublic(name);

    public static string SharedName(string owner, string name) => FolderResolver.SharedName(owner, name);

    public static bool IsShared(string name) => FolderResolver.IsShared(name);

    public static Task<ResolvedMailbox?> ResolveAsync(ImapSession session, string name)
    {
        ArgumentNullException.ThrowIfNull(session);
        var user = session.User!;
        return FolderResolver.ResolveAsync(session.Services.Store, user.Id, user.Address, user.IsAdmin, name, session.Cancellation);
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
