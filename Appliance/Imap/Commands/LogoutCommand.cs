namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.1.3 LOGOUT.</summary>
public sealed class LogoutCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["LOGOUT"];
    public override IReadOnlyList<ImapState> AllowedIn => Any;

    public override Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        session.WriteLine("* BYE Logging out");
        session.WriteLine($"{request.Tag} OK LOGOUT completed");
        session.State = ImapState.Logout;
        return Task.CompletedTask;
    }
}
