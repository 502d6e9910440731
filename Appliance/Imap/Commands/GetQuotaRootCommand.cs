namespace Appliance.Imap.Commands;

/// <summary>RFC 9208 §4.3 GETQUOTAROOT: one's own folders are under root ""; folders others share have no root to see.</summary>
public sealed class GetQuotaRootCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["GETQUOTAROOT"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var name = request.Args.ReadMailbox();
        request.Args.ExpectEnd();
        var mailbox = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false)
            ?? throw new ImapNoException("NONEXISTENT", "No such mailbox");
        if (mailbox.Personal)
        {
            session.WriteLine($"* QUOTAROOT {session.MailboxName(name)} \"\"");
            await Quota.WriteAsync(session, "", session.User!.Id).ConfigureAwait(false);
        }
        else
        {
            session.WriteLine($"* QUOTAROOT {session.MailboxName(mailbox.Name)}");
        }
        await session.OkAsync(request, "GETQUOTAROOT completed").ConfigureAwait(false);
    }
}
