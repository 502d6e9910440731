namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.5 RENAME, with the folders below; renaming INBOX moves its messages.</summary>
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
        if (MailboxResolver.IsShared(to) || MailboxResolver.IsShared(from) || MailboxResolver.IsPublic(to) || MailboxResolver.IsPublic(from))
        {
            throw new ImapNoException("NOPERM", "Shared and public folders are not renamed over IMAP");
        }
        var mailbox = await session.Services.Store.FindMailboxAsync(session.User!.Id, from, session.Cancellation).ConfigureAwait(false);
        await session.Services.Store.RenameMailboxAsync(session.User!.Id, from, to, session.Cancellation).ConfigureAwait(false);
        if (mailbox is not null)
        {
            session.Services.Events.Changed(mailbox.Id);
        }
        session.AnnounceNormalized(to, request.Args.MailboxAsSent(sent));
        await session.OkAsync(request, "RENAME completed").ConfigureAwait(false);
    }
}
