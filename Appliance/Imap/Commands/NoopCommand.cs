namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.1.2 NOOP and §6.4.1 CHECK: nothing to do but announce changes.</summary>
public sealed class NoopCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["NOOP", "CHECK"];
    public override IReadOnlyList<ImapState> AllowedIn => Any;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        if (request.Name == "CHECK" && session.State != ImapState.Selected)
        {
            throw new Parsing.ImapSyntaxException("CHECK needs a selected mailbox");
        }
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }
}
