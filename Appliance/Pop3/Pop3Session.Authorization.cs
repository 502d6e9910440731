using System.Buffers;
using System.Data.Common;
using System.Text;
using Appliance.Accounts;
using Appliance.Protocols;

namespace Appliance.Pop3;

/// <summary>The AUTHORIZATION state: USER/PASS (RFC 1939 §7), AUTH PLAIN and SCRAM-SHA-256 (RFC 5034), then the lock and the maildrop.</summary>
public sealed partial class Pop3Session
{
    private string? _pendingUser;
    private bool _saslPending;
    // SCRAM-SHA-256 under way: the mechanism, and once the proof is checked, the outcome waiting for the client's empty response.
    private ScramServer? _scram;
    private SignInResult? _scramResult;
    private int _authFailures;
    private User? _user;
    private IDisposable? _lock;
    private Maildrop? _maildrop;

    /// <summary>Passwords only under TLS unless plaintext is allowed (RFC 2595 §2.3, RFC 5034 §7).</summary>
    private bool MayAuthenticate => IsTls || _services.Security.AllowPlaintextAuth;

    private static readonly Pop3Reply EncryptionRequired =
        Pop3Reply.Error("Plaintext authentication is not allowed without TLS; use STLS first", "AUTH");

    private void User(Pop3Command command)
    {
        if (!MayAuthenticate)
        {
            throw new Pop3ReplyException(EncryptionRequired);
        }
        if (command.Arguments.Length == 0)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
        // Any name is accepted here, so that a client cannot learn which addresses exist (RFC 1939 §13).
        _pendingUser = command.Arguments;
        Write(Pop3Reply.Success("Send the password"));
    }

    private async Task PassAsync(Pop3Command command)
    {
        if (!MayAuthenticate)
        {
            throw new Pop3ReplyException(EncryptionRequired);
        }
        if (_pendingUser is not { } user)
        {
            throw new Pop3ReplyException(Pop3Reply.Error("Send USER first"));
        }
        // RFC 1939 §7: after a failed PASS the client starts again with USER.
        _pendingUser = null;
        await SignInAsync(user, command.Arguments).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 5034 §4: <c>AUTH mechanism [initial-response]</c>, "=" for an empty one. AUTH alone lists the
    /// mechanisms as Outlook and older clients expect (the RFC 1734 behaviour dovecot keeps).
    /// </summary>
    private async Task AuthAsync(Pop3Command command)
    {
        var parameters = command.Params;
        if (parameters.Length == 0)
        {
            WriteMultiline(Pop3Reply.Success("Mechanisms follow"), MayAuthenticate ? ["PLAIN", ScramServer.Mechanism] : []);
            return;
        }
        if (parameters.Length > 2)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
        var scram = string.Equals(parameters[0], ScramServer.Mechanism, StringComparison.OrdinalIgnoreCase);
        if (!scram && !string.Equals(parameters[0], "PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            throw new Pop3ReplyException(Pop3Reply.Error("Unsupported authentication mechanism"));
        }
        if (!MayAuthenticate)
        {
            throw new Pop3ReplyException(EncryptionRequired);
        }
        _scram = scram ? new ScramServer() : null;
        _scramResult = null;
        if (parameters.Length == 1)
        {
            // RFC 5034 §4: an empty challenge is "+" and a space.
            Output.Write("+ \r\n"u8);
            _saslPending = true;
            return;
        }
        var initial = parameters[1] == "=" ? "" : parameters[1];
        if (scram)
        {
            await ScramAsync(initial).ConfigureAwait(false);
            return;
        }
        await PlainAsync(initial).ConfigureAwait(false);
    }

    private async Task SaslResponseAsync(string response)
    {
        _saslPending = false;
        if (response == "*")
        {
            // RFC 5034 §4: the client cancelled; a failure that does not count against the password.
            _scram = null;
            Refuse(Pop3Reply.Error("Authentication cancelled"));
            return;
        }
        if (_scram is not null)
        {
            await ScramAsync(response).ConfigureAwait(false);
            return;
        }
        await PlainAsync(response).ConfigureAwait(false);
    }

    /// <summary>
    /// One SCRAM-SHA-256 step (RFC 5802 §5): client-first → server-first, client-final → the verifier as a
    /// last challenge (RFC 5034 has no data with +OK), the client's empty response → signed in. A malformed
    /// message is -ERR; a refused one fails like a wrong password.
    /// </summary>
    private async Task ScramAsync(string base64)
    {
        var scram = _scram!;
        if (_scramResult is { } result)
        {
            _scram = null;
            if (base64.Length != 0)
            {
                Refuse(Pop3Reply.Error("Expected an empty response"));
                return;
            }
            await CompleteSignInAsync(scram.User, result).ConfigureAwait(false);
            return;
        }
        if (!Sasl.TryDecodeBase64Text(base64, out var message))
        {
            _scram = null;
            Refuse(Pop3Reply.Error("Cannot decode the SCRAM response"));
            return;
        }
        var first = scram.User.Length == 0;
        var status = first ? scram.ReadClientFirst(message) : scram.ReadClientFinal(message);
        if (status != ScramStatus.Continue)
        {
            _scram = null;
            if (status == ScramStatus.Malformed)
            {
                Refuse(Pop3Reply.Error($"Malformed SCRAM message (e={scram.Error})"));
                return;
            }
            await CompleteSignInAsync(scram.User, new SignInResult(SignInOutcome.Failed)).ConfigureAwait(false);
            return;
        }
        if (first)
        {
            var secret = await _services.Authenticator.ScramSecretAsync(scram.User, _cancellation).ConfigureAwait(false);
            WriteChallenge(scram.ServerFirst(new ScramCredentials(secret.Salt, secret.Iterations, secret.StoredKey, secret.ServerKey)));
            return;
        }
        var outcome = await _services.Authenticator.ScramSignInAsync(scram.User, scram.ProofMatches, _cancellation).ConfigureAwait(false);
        if (outcome.Outcome != SignInOutcome.Success)
        {
            _scram = null;
            await CompleteSignInAsync(scram.User, outcome).ConfigureAwait(false);
            return;
        }
        _scramResult = outcome;
        WriteChallenge(scram.ServerFinal());
    }

    private void WriteChallenge(string data)
    {
        Output.Write(Encoding.ASCII.GetBytes("+ " + Sasl.EncodeBase64Text(data) + "\r\n"));
        _saslPending = true;
    }

    private async Task PlainAsync(string base64)
    {
        if (!Sasl.TryDecodePlain(base64, out var user, out var password))
        {
            Refuse(Pop3Reply.Error("Cannot decode the PLAIN response"));
            return;
        }
        await SignInAsync(user, password).ConfigureAwait(false);
    }

    /// <summary>Checks the password (shared pause and lockout), then takes the maildrop's lock and reads it.</summary>
    private async Task SignInAsync(string address, string password)
    {
        var result = await _services.Authenticator.SignInAsync(address, password, _cancellation).ConfigureAwait(false);
        await CompleteSignInAsync(address, result).ConfigureAwait(false);
    }

    private async Task CompleteSignInAsync(string address, SignInResult result)
    {
        if (result.Outcome != SignInOutcome.Success)
        {
            // Unknown, wrong, locked and disabled all get the same answer, so accounts cannot be probed.
            LogAuthFailed(_services.Logger, _id, address, _remote?.Address.ToString() ?? "");
            if (++_authFailures >= Options.MaxAuthFailures)
            {
                Write(Pop3Reply.Error("Authentication failed; too many attempts, closing", "AUTH"));
                _closing = true;
                return;
            }
            Write(Pop3Reply.Error("Authentication failed", "AUTH"));
            return;
        }
        var user = result.User!;
        _lock = _services.Locks.TryAcquire(user.Id, _id);
        if (_lock is null)
        {
            // RFC 2449 §8.1.1: the credentials are fine; the maildrop is busy.
            LogInUse(_services.Logger, _id, user.Address);
            Write(Pop3Reply.Error("Mailbox is in use by another POP3 session", "IN-USE"));
            return;
        }
        try
        {
            _maildrop = await OpenMaildropAsync(user).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or IOException)
        {
            LogStorageFailed(_services.Logger, _id, user.Address, e);
            _lock.Dispose();
            _lock = null;
            Write(Pop3Reply.Error("Mailbox unavailable, try again later", "SYS/TEMP"));
            return;
        }
        _user = user;
        _state = Pop3State.Transaction;
        LogSignedIn(_services.Logger, _id, user.Address, _maildrop.Count);
        Write(Pop3Reply.Success($"{_maildrop.Count} messages ({_maildrop.LiveSize} octets)"));
    }

    /// <summary>The user's INBOX (made if they never had one) with each message's size as RETR sends it.</summary>
    private async Task<Maildrop> OpenMaildropAsync(User user)
    {
        var inbox = (await _services.Store.MailboxesAsync(user.Id, _cancellation).ConfigureAwait(false)).FirstOrDefault(m => m.Name == "INBOX");
        if (inbox is null)
        {
            await _services.Store.EnsureDefaultsAsync(user.Id, _cancellation).ConfigureAwait(false);
            inbox = (await _services.Store.MailboxesAsync(user.Id, _cancellation).ConfigureAwait(false)).First(m => m.Name == "INBOX");
        }
        var stored = await _services.Store.MessagesAsync(user.Address, "INBOX", _cancellation).ConfigureAwait(false);
        var messages = new List<MaildropMessage>(stored.Count);
        foreach (var message in stored)
        {
            messages.Add(new MaildropMessage(message.Uid, message.BlobHash, await SizeAsSentAsync(message.BlobHash, message.Size).ConfigureAwait(false)));
        }
        return new Maildrop(inbox.Id, inbox.Uidvalidity, messages);
    }

    /// <summary>
    /// RFC 1939 §11 wants the exact size of the message as sent (CRLF line ends, no stuffing): the stored
    /// bytes may end lines in bare LF, so each body is measured once and remembered by its content hash.
    /// </summary>
    private async Task<long> SizeAsSentAsync(string hash, long storedSize)
    {
        if (_services.Sizes.TryGet(hash, out var size))
        {
            return size;
        }
        var body = _services.Blobs.OpenRead(hash);
        if (body is null)
        {
            // RETR will answer [SYS/TEMP]; the stored size is the best figure there is.
            return storedSize;
        }
        await using (body.ConfigureAwait(false))
        {
            size = await MessageEncoder.MeasureAsync(body, _cancellation).ConfigureAwait(false);
        }
        _services.Sizes.Add(hash, size);
        return size;
    }
}
