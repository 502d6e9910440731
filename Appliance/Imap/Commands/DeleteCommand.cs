namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.4 DELETE: the folder and its messages; not INBOX, not one with folders below it.</summary>
public sealed class DeleteCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["DELETE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var sent = request.Args.ReadAString();
        var name = request.Args.Mailbox(sent);
        request.Args.ExpectEnd();
        if (MailboxResolver.IsPublic(name))
        {
            var folder = await MailboxResolver.RequireAsync(session, name, 'x').ConfigureAwait(false);
            await session.Services.Store.DeletePublicMailboxAsync(folder.State.Name, session.Cancellation).ConfigureAwait(false);
            session.Services.Events.Changed(folder.State.Id);
            if (session.Selected?.Id == folder.State.Id)
            {
                session.Unselect();
            }
            await session.OkAsync(request, "DELETE completed").ConfigureAwait(false);
            return;
        }
        if (MailboxResolver.IsShared(name))
        {
            throw new ImapNoException("NOPERM", "Folders of other users are created, renamed and deleted by their owners");
        }
        var mailbox = await session.Services.Store.FindMailboxAsync(session.User!.Id, name, session.Cancellation).ConfigureAwait(false);
        await session.Services.Store.DeleteMailboxAsync(session.User!.Id, name, session.Cancellation).ConfigureAwait(false);
        if (mailbox is not null)
        {
            session.Services.Events.Changed(mailbox.Id);
            if (session.Selected?.Id == mailbox.Id)
            {
                session.Unselect();
            }
        }
        session.AnnounceNormalized(name, request.Args.MailboxAsSent(sent), @"\NonExistent");
        await session.OkAsync(request, "DELETE completed").ConfigureAwait(false);
    }
}
