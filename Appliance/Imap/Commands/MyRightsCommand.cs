namespace Appliance.Imap.Commands;

/// <summary>RFC 4314 §3.5 MYRIGHTS: the session's own rights on a mailbox it can see.</summary>
public sealed class MyRightsCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["MYRIGHTS"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var target = await Acl.ReadTargetAsync(session, request.Args, administer: false).ConfigureAwait(false);
        request.Args.ExpectEnd();
        session.WriteLine($"* MYRIGHTS {target.Shown} {target.Mailbox.Rights}");
        await session.OkAsync(request, "MYRIGHTS completed").ConfigureAwait(false);
    }
}
