using Appliance.Protocols;

namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.2.2 AUTHENTICATE PLAIN (RFC 4616), with the initial response of RFC 4959 (SASL-IR).</summary>
public sealed class AuthenticateCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["AUTHENTICATE"];
    public override IReadOnlyList<ImapState> AllowedIn => NotAuthenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var mechanism = request.Args.ReadAtom();
        string? initial = null;
        if (request.Args.TrySpace())
        {
            initial = request.Args.ReadAtom(upper: false);
        }
        request.Args.ExpectEnd();
        if (mechanism != "PLAIN")
        {
            throw new ImapNoException("CANNOT", $"Unsupported mechanism {mechanism}");
        }
        if (!session.PasswordsAllowed)
        {
            throw new ImapNoException("PRIVACYREQUIRED", "Use STARTTLS before sending a password");
        }
        var response = initial;
        if (response is null)
        {
            session.WriteLine("+ ");
            await session.FlushAsync().ConfigureAwait(false);
            response = await session.ReadLineAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
            if (response is null)
            {
                session.State = ImapState.Logout;
                return;
            }
        }
        if (response == "*")
        {
            throw new Parsing.ImapSyntaxException("Authentication cancelled");
        }
        // "=" is an empty initial response (RFC 4959 §3).
        if (!Sasl.TryDecodePlain(response == "=" ? "" : response, out var user, out var password))
        {
            throw new Parsing.ImapSyntaxException("Invalid base64 or PLAIN message");
        }
        await LoginCommand.SignInAsync(session, request, user, password).ConfigureAwait(false);
    }
}
