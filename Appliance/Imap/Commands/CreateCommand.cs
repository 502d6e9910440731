namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.3 CREATE; a trailing "/" only says a folder will have children.</summary>
public sealed class CreateCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["CREATE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var sent = request.Args.ReadAString();
        var name = request.Args.Mailbox(sent);
        request.Args.ExpectEnd();
        if (MailboxResolver.IsPublic(name))
        {
            if (!session.User!.IsAdmin)
            {
                throw new ImapNoException("NOPERM", "Only administrators create public folders");
            }
            await session.Services.Store.CreatePublicMailboxAsync(name[(MailboxResolver.SharedFolders.Length + 1)..], session.Cancellation).ConfigureAwait(false);
            await session.OkAsync(request, "CREATE completed").ConfigureAwait(false);
            return;
        }
        if (MailboxResolver.IsShared(name))
        {
            throw new ImapNoException("NOPERM", "Folders of other users are created, renamed and deleted by their owners");
        }
        await session.Services.Store.CreateMailboxAsync(session.User!.Id, name, session.Cancellation).ConfigureAwait(false);
        session.AnnounceNormalized(name, request.Args.MailboxAsSent(sent));
        await session.OkAsync(request, "CREATE completed").ConfigureAwait(false);
    }
}
