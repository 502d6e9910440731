using Appliance.Mailstore;

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
            await session.OkAsync(request, Completed((await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false))?.State)).ConfigureAwait(false);
            return;
        }
        if (MailboxResolver.IsShared(name))
        {
            throw new ImapNoException("NOPERM", "Folders of other users are created, renamed and deleted by their owners");
        }
        await session.Services.Store.CreateMailboxAsync(session.User!.Id, name, session.Cancellation).ConfigureAwait(false);
        session.AnnounceNormalized(name, request.Args.MailboxAsSent(sent));
        var created = await session.Services.Store.FindMailboxAsync(session.User!.Id, MailStore.Normalize(name.TrimEnd('/')), session.Cancellation).ConfigureAwait(false);
        await session.OkAsync(request, Completed(created)).ConfigureAwait(false);
    }

    /// <summary>RFC 8474 §4.1: the tagged OK names the new mailbox's MAILBOXID.</summary>
    private static string Completed(MailboxState? created) =>
        created is null ? "CREATE completed" : $"[MAILBOXID ({ObjectIds.Mailbox(created)})] CREATE completed";
}
