using Appliance.Mailstore;
using Appliance.Imap.Parsing;

namespace Appliance.Imap.Commands;

/// <summary>What the RFC 4314 commands share: the mailbox, how it is shown, and its owner.</summary>
internal static class Acl
{
    public sealed record Target(ResolvedMailbox Mailbox, string Shown, string? Owner);

    /// <summary>Reads the mailbox argument; with <paramref name="administer"/> the session needs the 'a' right.</summary>
    public static async Task<Target> ReadTargetAsync(ImapSession session, ImapParser args, bool administer)
    {
        args.ReadSpace();
        var name = args.ReadMailbox();
        var mailbox = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false)
            ?? throw new ImapNoException("NONEXISTENT", "No such mailbox");
        if (administer && !mailbox.Has('a'))
        {
            throw new ImapNoException("NOPERM", "You lack the 'a' right on this mailbox");
        }
        // A public folder has no owner; administrators hold every right on it.
        var owner = mailbox.Personal ? session.User!.Address : MailboxResolver.IsPublic(mailbox.Name) ? null : mailbox.Name.Split('/')[1];
        return new Target(mailbox, session.MailboxName(mailbox.Name), owner);
    }
}
