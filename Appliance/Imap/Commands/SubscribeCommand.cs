namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.6–7 SUBSCRIBE and UNSUBSCRIBE.</summary>
public sealed class SubscribeCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SUBSCRIBE", "UNSUBSCRIBE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var name = request.Args.ReadMailbox();
        request.Args.ExpectEnd();
        var subscribe = request.Name == "SUBSCRIBE";
        if (subscribe && await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false) is null)
        {
            throw new ImapNoException("NONEXISTENT", "No such mailbox");
        }
        await session.Services.Store.SetSubscribedAsync(session.User!.Id, name, subscribe, session.Cancellation).ConfigureAwait(false);
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }
}
