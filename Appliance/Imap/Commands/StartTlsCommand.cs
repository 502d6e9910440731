namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.2.1 STARTTLS; the handshake starts once the OK is sent, and the client asks CAPABILITY again.</summary>
public sealed class StartTlsCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["STARTTLS"];
    public override IReadOnlyList<ImapState> AllowedIn => NotAuthenticated;

    public override Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        if (session.IsTls)
        {
            throw new Parsing.ImapSyntaxException("TLS is already active");
        }
        session.WriteLine($"{request.Tag} OK Begin TLS negotiation now");
        session.RequestTls();
        return Task.CompletedTask;
    }
}
