using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.3.5 RENAME, with the folders below; renaming INBOX moves its messages. Shared and public folders are
/// renamed by whoever holds 'x' on them and 'k' on the new parent (RFC 4314 §4, <see cref="FolderRenamer"/>).
/// </summary>
public sealed class RenameCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["RENAME"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var from = request.Args.ReadMailbox();
        request.Args.ReadSpace();
        var sent = request.Args.ReadAString();
        var to = request.Args.Mailbox(sent);
        request.Args.ExpectEnd();
        var user = session.User!;
        // Refusals come back as MailboxException, which the session writes as NO with its response code.
        var mailbox = await FolderRenamer.RenameAsync(session.Services.Store, user.Id, user.Address, user.IsAdmin, from, to, session.Cancellation).ConfigureAwait(false);
        if (mailbox is not null)
        {
            session.Services.Events.Changed(mailbox.State.Id);
        }
        session.AnnounceNormalized(to, request.Args.MailboxAsSent(sent));
        await session.OkAsync(request, "RENAME completed").ConfigureAwait(false);
    }
}
