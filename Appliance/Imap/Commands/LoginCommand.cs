using Appliance.Accounts;

namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.2.3 LOGIN: refused before TLS (LOGINDISABLED) unless plaintext is allowed.</summary>
public sealed class LoginCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["LOGIN"];
    public override IReadOnlyList<ImapState> AllowedIn => NotAuthenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var user = request.Args.ReadAString();
        request.Args.ReadSpace();
        var password = request.Args.ReadAString();
        request.Args.ExpectEnd();
        if (!session.PasswordsAllowed)
        {
            throw new ImapNoException("PRIVACYREQUIRED", "Use STARTTLS before sending a password");
        }
        await SignInAsync(session, request, user, password).ConfigureAwait(false);
    }

    /// <summary>Shared with AUTHENTICATE PLAIN: checks the password (lockout and delay included) and signs the session in.</summary>
    internal static async Task SignInAsync(ImapSession session, ImapRequest request, string user, string password)
    {
        var result = await session.Services.Authenticator.SignInAsync(user, password, session.Cancellation).ConfigureAwait(false);
        await FinishSignInAsync(session, request, result).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers a sign-in's outcome: every failure alike (RFC 5530 AUTHENTICATIONFAILED), counted against the
    /// session's limit; <paramref name="detail"/> is SCRAM's server-error value, which reveals nothing of the account.
    /// </summary>
    internal static async Task FinishSignInAsync(ImapSession session, ImapRequest request, SignInResult result, string detail = "")
    {
        if (result.Outcome != SignInOutcome.Success || result.User is null)
        {
            if (session.CountAuthFailure())
            {
                session.WriteLine($"{request.Tag} NO [AUTHENTICATIONFAILED] Authentication failed{detail}");
                session.WriteLine("* BYE Too many failed authentications");
                session.State = ImapState.Logout;
                return;
            }
            throw new ImapNoException("AUTHENTICATIONFAILED", "Authentication failed" + detail);
        }
        await session.SignedInAsync(result.User).ConfigureAwait(false);
        session.WriteLine($"{request.Tag} OK [CAPABILITY {ImapCommands.Capabilities(session)}] Logged in");
    }
}
