using Appliance.Protocols;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.2.2 AUTHENTICATE PLAIN (RFC 4616) and SCRAM-SHA-256 (RFC 7677), with the initial response
/// of RFC 4959 (SASL-IR).
/// </summary>
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
        if (mechanism is not ("PLAIN" or ScramServer.Mechanism))
        {
            throw new ImapNoException("CANNOT", $"Unsupported mechanism {mechanism}");
        }
        if (!session.PasswordsAllowed)
        {
            throw new ImapNoException("PRIVACYREQUIRED", "Use STARTTLS before sending a password");
        }
        // "=" is an empty initial response (RFC 4959 §3).
        var response = initial == "=" ? "" : initial ?? await ChallengeAsync(session, "").ConfigureAwait(false);
        if (response is null)
        {
            return;
        }
        if (mechanism == ScramServer.Mechanism)
        {
            await ScramAsync(session, request, response).ConfigureAwait(false);
            return;
        }
        if (!Sasl.TryDecodePlain(response, out var user, out var password))
        {
            throw new Parsing.ImapSyntaxException("Invalid base64 or PLAIN message");
        }
        await LoginCommand.SignInAsync(session, request, user, password).ConfigureAwait(false);
    }

    /// <summary>RFC 5802 §5: client-first, server-first, client-final, server-final, then the client's empty response.</summary>
    private static async Task ScramAsync(ImapSession session, ImapRequest request, string clientFirst)
    {
        var scram = new ScramServer();
        if (!Sasl.TryDecodeBase64Text(clientFirst, out var first))
        {
            throw new Parsing.ImapSyntaxException("Invalid base64");
        }
        if (!await ScramStepAsync(session, request, scram, scram.ReadClientFirst(first)).ConfigureAwait(false))
        {
            return;
        }
        var secret = await session.Services.Authenticator.ScramSecretAsync(scram.User, session.Cancellation).ConfigureAwait(false);
        var clientFinal = await ChallengeAsync(session, scram.ServerFirst(new ScramCredentials(secret.Salt, secret.Iterations, secret.StoredKey, secret.ServerKey))).ConfigureAwait(false);
        if (clientFinal is null)
        {
            return;
        }
        if (!Sasl.TryDecodeBase64Text(clientFinal, out var final))
        {
            throw new Parsing.ImapSyntaxException("Invalid base64");
        }
        if (!await ScramStepAsync(session, request, scram, scram.ReadClientFinal(final)).ConfigureAwait(false))
        {
            return;
        }
        var result = await session.Services.Authenticator.ScramSignInAsync(scram.User, scram.ProofMatches, session.Cancellation).ConfigureAwait(false);
        if (result.Outcome == Accounts.SignInOutcome.Success)
        {
            // RFC 3501 has no data with the tagged OK: the verifier is a last challenge, answered empty.
            var empty = await ChallengeAsync(session, scram.ServerFinal()).ConfigureAwait(false);
            if (empty is null)
            {
                return;
            }
            if (empty.Length != 0)
            {
                throw new Parsing.ImapSyntaxException("Expected an empty response");
            }
        }
        await LoginCommand.FinishSignInAsync(session, request, result).ConfigureAwait(false);
    }

    /// <summary>A refused step is a wrong password to the client (counted, same reply); a malformed one is BAD.</summary>
    private static async Task<bool> ScramStepAsync(ImapSession session, ImapRequest request, ScramServer scram, ScramStatus status)
    {
        if (status == ScramStatus.Malformed)
        {
            throw new Parsing.ImapSyntaxException("Malformed SCRAM message (e=" + scram.Error + ")");
        }
        if (status == ScramStatus.Failed)
        {
            await LoginCommand.FinishSignInAsync(session, request, new Accounts.SignInResult(Accounts.SignInOutcome.Failed), " (e=" + scram.Error + ")").ConfigureAwait(false);
            return false;
        }
        return true;
    }

    /// <summary>Sends a "+" continuation with base64 data and reads the answer; "*" cancels (RFC 3501 §6.2.2); null once the client has gone.</summary>
    private static async Task<string?> ChallengeAsync(ImapSession session, string data)
    {
        session.WriteLine(data.Length == 0 ? "+ " : "+ " + Sasl.EncodeBase64Text(data));
        await session.FlushAsync().ConfigureAwait(false);
        var response = await session.ReadLineAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        if (response is null)
        {
            session.State = ImapState.Logout;
            return null;
        }
        if (response == "*")
        {
            throw new Parsing.ImapSyntaxException("Authentication cancelled");
        }
        return response;
    }
}
