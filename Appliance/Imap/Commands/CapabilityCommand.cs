namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.1.1 CAPABILITY.</summary>
public sealed class CapabilityCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["CAPABILITY"];
    public override IReadOnlyList<ImapState> AllowedIn => Any;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        session.WriteLine("* CAPABILITY " + ImapCommands.Capabilities(session));
        await session.OkAsync(request, "CAPABILITY completed").ConfigureAwait(false);
    }
}
