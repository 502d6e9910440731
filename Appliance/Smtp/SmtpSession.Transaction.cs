using System.Globalization;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Uce;
using Appliance.Mail;
using Appliance.Protocols;
using Appliance.Smtp.Parsing;
using Appliance.Storage;

namespace Appliance.Smtp;

public sealed partial class SmtpSession
{
    private string SenderText => _sender.Address;

    private async Task MailAsync(string arguments, CancellationToken cancellationToken)
    {
        if (_mode == SmtpMode.Submission && _user is null)
        {
            throw new SmtpReplyException(new SmtpReply(530, "5.7.0", "Authentication required"));
        }
        if (!PathParser.TryParse(arguments, "FROM", allowNull: true, out var path))
        {
            throw new SmtpReplyException(new SmtpReply(501, "5.1.7", "Syntax: MAIL FROM:<address> [parameters]"));
        }
        var utf8 = false;
        foreach (var (keyword, value) in path.Parameters)
        {
            switch (keyword)
            {
                case "SIZE":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                    {
                        throw new SmtpReplyException(new SmtpReply(501, "5.5.4", "Syntax: SIZE=number"));
                    }
                    if (size > Options.MaxMessageSize)
                    {
                        throw new SmtpReplyException(new SmtpReply(552, "5.3.4", "Message size exceeds fixed limit"));
                    }
                    break;
                case "BODY":
                    if (value is null || !(value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase)))
                    {
                        throw new SmtpReplyException(new SmtpReply(501, "5.5.4", "Syntax: BODY=7BIT or BODY=8BITMIME"));
                    }
                    break;
                case "SMTPUTF8":
                    utf8 = true;
                    break;
                case "AUTH":
                    // RFC 4954 §5: the original submitter; we record our own authentication instead.
                    break;
                default:
                    throw new SmtpReplyException(new SmtpReply(555, "5.5.4", $"Unsupported parameter {keyword}"));
            }
        }
        if (!path.IsAscii && !utf8)
        {
            throw new SmtpReplyException(new SmtpReply(553, "5.6.7", "Non-ASCII address needs SMTPUTF8"));
        }
        if (_mode == SmtpMode.Submission)
        {
            if (await _services.Policy.CheckSenderAsync(_user!, path.Address, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                await _services.Log.WriteAsync(MessageStatus.Rejected, path.Address, "", Remote, "", 0, $"sender not owned by {_user}", cancellationToken).ConfigureAwait(false);
                throw new SmtpReplyException(ToReply(refusal));
            }
        }
        if (_uce is not null && await _uce.MailAsync(path.Address, cancellationToken).ConfigureAwait(false) is { } uceRefusal)
        {
            await _services.Log.WriteAsync(MessageStatus.Rejected, path.Address, "", Remote, "", 0, uceRefusal.ToString(), cancellationToken).ConfigureAwait(false);
            throw new SmtpReplyException(ToReply(uceRefusal));
        }
        _sender = path;
        _utf8 = utf8;
        _recipients.Clear();
        _state = SmtpState.Mail;
        Write(SmtpReply.Ok);
    }

    private bool _utf8;

    private string Remote => _remote?.Address.ToString() ?? "";

    private async Task RcptAsync(string arguments, CancellationToken cancellationToken)
    {
        if (!PathParser.TryParse(arguments, "TO", allowNull: false, out var path))
        {
            throw new SmtpReplyException(new SmtpReply(501, "5.1.3", "Syntax: RCPT TO:<address>"));
        }
        if (path.Parameters.Count > 0)
        {
            throw new SmtpReplyException(new SmtpReply(555, "5.5.4", $"Unsupported parameter {path.Parameters.Keys.First()}"));
        }
        if (!path.IsAscii && !_utf8)
        {
            throw new SmtpReplyException(new SmtpReply(553, "5.6.7", "Non-ASCII address needs SMTPUTF8"));
        }
        if (_recipients.Count >= Options.MaxRecipients)
        {
            throw new SmtpReplyException(ToReply(SubmissionPolicy.TooManyRecipients(path.Address)));
        }
        var (recipient, refusal) = await _services.Policy.CheckRecipientAsync(path.Address, mayRelay: _user is not null, cancellationToken).ConfigureAwait(false);
        var reply = refusal is null ? null : ToReply(refusal);
        // UCE at RCPT once the recipient is ours: client refusals, greylisting; for a user, recipients per hour that leave the server.
        if (reply is null && _uce is not null
            && await _uce.RcptAsync(path.Address, recipient!.Remote.Count > 0 ? _user : null, cancellationToken).ConfigureAwait(false) is { } uceRefusal)
        {
            reply = ToReply(uceRefusal);
        }
        if (reply is not null)
        {
            LogRecipient(_services.Logger, _id, "rejected", SenderText, path.Address, reply.ToString());
            await _services.Log.WriteAsync(MessageStatus.Rejected, SenderText, path.Address, Remote, "", 0, reply.ToString(), cancellationToken).ConfigureAwait(false);
            throw new SmtpReplyException(reply);
        }
        _recipients.Add(recipient!);
        _state = SmtpState.Rcpt;
        Write(SmtpReply.Ok);
    }

    private static SmtpReply ToReply(RecipientRefusal refusal) => new(refusal.Code, refusal.EnhancedCode, refusal.Text);

    private static SmtpReply ToReply(UceRefusal refusal) => new(refusal.Code, refusal.Enhanced, refusal.Text);

    private void Data(string arguments)
    {
        if (arguments.Length > 0) throw new SmtpReplyException(SmtpReply.SyntaxError);
        if (_recipients.Count == 0) throw new SmtpReplyException(new SmtpReply(554, "5.5.1", "Error: no valid recipients"));
        _spool = new SpooledBuffer(_services.SpoolDirectory, Options.MaxMessageSize);
        _data = new DataDecoder();
        Write(new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>"));
    }

    private async Task DataBytesAsync(ReadOnlyMemory<byte> bytes, bool finished, CancellationToken cancellationToken)
    {
        await _spool!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (!finished)
        {
            return;
        }
        var bare = _data!.SawBareLineEnding;
        _data = null;
        if (bare)
        {
            await RejectMessageAsync(new SmtpReply(554, "5.6.0", "Message refused: bare CR or LF; lines must end with CRLF (RFC 5321 §2.3.8)")).ConfigureAwait(false);
            return;
        }
        await FinishMessageAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 3030: <c>BDAT SP chunk-size [SP end-marker]</c>. The chunk is read even when refused, to stay in step.</summary>
    private Task BdatAsync(string arguments)
    {
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // Without a size we cannot tell where the chunk ends: the session cannot go on.
            Write(new SmtpReply(501, "5.5.4", "Syntax: BDAT size [LAST]"));
            Write(new SmtpReply(421, "4.5.0", "Error: lost framing, closing"));
            _closing = true;
            return Task.CompletedTask;
        }
        _bdatRejected = _recipients.Count == 0;
        if (_spool is null && !_bdatRejected)
        {
            _spool = new SpooledBuffer(_services.SpoolDirectory, Options.MaxMessageSize);
        }
        _state = _bdatRejected ? _state : SmtpState.Chunking;
        _bdatRemaining = size;
        _bdatLast = parts.Length == 2;
        if (size == 0)
        {
            return BdatBytesAsync([], true, _cancellation);
        }
        return Task.CompletedTask;
    }

    private async Task BdatBytesAsync(byte[] chunk, bool finished, CancellationToken cancellationToken)
    {
        if (!_bdatRejected)
        {
            await _spool!.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        if (!finished)
        {
            return;
        }
        if (_bdatRejected)
        {
            await ErrorAsync(new SmtpReply(554, "5.5.1", "Error: no valid recipients")).ConfigureAwait(false);
            return;
        }
        if (!_bdatLast)
        {
            Write(new SmtpReply(250, "2.0.0", $"{chunk.Length} octets received"));
            return;
        }
        await FinishMessageAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FinishMessageAsync(CancellationToken cancellationToken)
    {
        var spool = _spool!;
        if (spool.Overflowed)
        {
            await RejectMessageAsync(new SmtpReply(552, "5.3.4", "Message size exceeds fixed limit")).ConfigureAwait(false);
            return;
        }
        var protocol = (_utf8 ? "UTF8SMTP" : _esmtp ? "ESMTP" : "SMTP") + (IsTls ? "S" : "") + (_user is not null ? "A" : "");
        if (protocol == "SMTPS" || protocol == "SMTPA" || protocol == "SMTPSA") protocol = "E" + protocol;
        SmtpReply reply;
        try
        {
            if (CountReceived(spool) > Options.MaxHops)
            {
                reply = new SmtpReply(554, "5.4.6", "Error: too many hops (mail loop?)");
            }
            else
            {
                // Every check is made before the answer: a refusal reaches the sender, and what is accepted is kept.
                var context = new InspectionContext(_mode == SmtpMode.Inbound, _remote?.Address, _helo, SenderText,
                    [.. _recipients.Select(r => r.Address)], _user, _services.HostName, BayesUser());
                var verdict = new Verdict();
                _uce?.AddTo(verdict);
                var hold = false;
                if (_uce is { HasRules: true } uce)
                {
                    byte[] bytes;
                    using (var copy = new MemoryStream())
                    {
                        await using (var body = spool.OpenRead()) await body.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                        bytes = copy.ToArray();
                    }
                    var rules = await uce.EvaluateMessageAsync(bytes, verdict, cancellationToken).ConfigureAwait(false);
                    if (rules.Action == UceRuleAction.Reject)
                    {
                        await RejectMessageAsync(new SmtpReply(550, "5.7.1", $"Message refused by rule {rules.Decisive!.Rule.Name}"), $"rule {rules.Decisive.Rule.Name}; [{verdict}]").ConfigureAwait(false);
                        return;
                    }
                    hold = rules.Action == UceRuleAction.Quarantine;
                }
                var inspection = await _services.Inspector.InspectAsync(context, spool.OpenRead, cancellationToken, verdict, hold).ConfigureAwait(false);
                if (inspection.Disposition is Disposition.Reject or Disposition.TempFail)
                {
                    LogRefused(_services.Logger, _id, inspection.Code, inspection.Reason, inspection.Verdict.ToString());
                    await RejectMessageAsync(new SmtpReply(inspection.Code, inspection.EnhancedCode, inspection.Text), $"{inspection.Reason}; score={inspection.Verdict.Score:0.0#} [{inspection.Verdict}]").ConfigureAwait(false);
                    return;
                }
                var envelope = new Envelope(SenderText, [.. _recipients], new TraceInfo(_helo, _remote?.Address, null, protocol, _user), inspection);
                Func<Stream> open = inspection.Rewritten is { } rewritten ? () => new MemoryStream(rewritten, writable: false) : spool.OpenRead;
                var id = await _services.Delivery.AcceptAsync(envelope, open, cancellationToken).ConfigureAwait(false);
                reply = new SmtpReply(250, "2.0.0", $"Ok: queued as {id}");
            }
        }
        catch (Exception e) when (e is IOException or StorageException or UnauthorizedAccessException)
        {
            LogStoreFailed(_services.Logger, _id, e);
            reply = new SmtpReply(451, "4.3.0", "Error: could not store the message; try again later");
        }
        await ResetTransactionAsync().ConfigureAwait(false);
        _state = SmtpState.Ready;
        if (reply.IsPositive) Write(reply); else await ErrorAsync(reply).ConfigureAwait(false);
    }

    /// <summary>The one user here the message goes to, whose classifier judges it; null for several (or none).</summary>
    private long? BayesUser()
    {
        var users = _recipients.SelectMany(r => r.Local).Select(m => m.UserId).Distinct().Take(2).ToList();
        return users.Count == 1 && _recipients.All(r => r.Remote.Count == 0) ? users[0] : null;
    }

    private async Task RejectMessageAsync(SmtpReply reply, string? why = null)
    {
        // The message log keeps the checks' breakdown of a refused message as of an accepted one.
        var detail = why is null ? reply.ToString() : $"{reply}; {why}";
        foreach (var r in _recipients)
        {
            await _services.Log.WriteAsync(MessageStatus.Rejected, SenderText, r.Address, Remote, "", _spool?.Length ?? 0, detail, _cancellation).ConfigureAwait(false);
        }
        await ResetTransactionAsync().ConfigureAwait(false);
        _state = SmtpState.Ready;
        await ErrorAsync(reply).ConfigureAwait(false);
    }

    /// <summary>
    /// The Received fields of the header, counted over its bytes: reading it as lines made one string of each line, and
    /// a header of one 49 MB line (a mail bomb) cost a hundred megabytes here before the message was even stored.
    /// </summary>
    private static int CountReceived(SpooledBuffer spool)
    {
        using var stream = spool.OpenRead();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var received = "received:"u8;
            var count = 0;
            var column = 0;
            var matching = true;
            var blank = true;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b == '\n')
                    {
                        if (blank)
                        {
                            // The empty line: the header ends.
                            return count;
                        }
                        column = 0;
                        matching = true;
                        blank = true;
                        continue;
                    }
                    blank = blank && column == 0 && b == '\r';
                    if (matching)
                    {
                        matching = column < received.Length && (b | 0x20) == received[column];
                        if (matching && column == received.Length - 1)
                        {
                            count++;
                            matching = false;
                        }
                    }
                    column++;
                }
            }
            return count;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ResetTransactionAsync()
    {
        _recipients.Clear();
        _sender = default;
        _utf8 = false;
        _data = null;
        _bdatRemaining = 0;
        _bdatLast = false;
        if (_spool is not null)
        {
            await _spool.DisposeAsync().ConfigureAwait(false);
            _spool = null;
        }
    }

    private async Task AuthAsync(string arguments, CancellationToken cancellationToken)
    {
        if (_mode != SmtpMode.Submission)
        {
            throw new SmtpReplyException(new SmtpReply(503, "5.5.1", "Error: authentication not enabled"));
        }
        if (_user is not null)
        {
            throw new SmtpReplyException(new SmtpReply(503, "5.5.1", "Error: already authenticated"));
        }
        if (!IsTls && !_services.Security.AllowPlaintextAuth)
        {
            throw new SmtpReplyException(new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
        }
        var parts = arguments.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
        var initial = parts.Length > 1 ? parts[1] : null;
        switch (mechanism)
        {
            case "PLAIN":
                if (initial is null)
                {
                    _auth = ("PLAIN", 0, null);
                    Write(new SmtpReply(334, null, ""));
                    return;
                }
                await CompletePlainAsync(initial, cancellationToken).ConfigureAwait(false);
                return;
            case "LOGIN":
                if (initial is null)
                {
                    _auth = ("LOGIN", 0, null);
                    Write(new SmtpReply(334, null, Sasl.EncodeBase64Text("Username:")));
                    return;
                }
                if (!Sasl.TryDecodeBase64Text(initial, out var user))
                {
                    throw new SmtpReplyException(new SmtpReply(501, "5.5.2", "Cannot decode response"));
                }
                _auth = ("LOGIN", 1, user);
                Write(new SmtpReply(334, null, Sasl.EncodeBase64Text("Password:")));
                return;
            case ScramServer.Mechanism:
                _scram = new ScramServer();
                _scramResult = null;
                if (initial is null)
                {
                    _auth = (ScramServer.Mechanism, 0, null);
                    Write(new SmtpReply(334, null, ""));
                    return;
                }
                // RFC 4954 §4: "=" is an empty initial response.
                await ScramStepAsync(initial == "=" ? "" : initial, cancellationToken).ConfigureAwait(false);
                return;
            default:
                throw new SmtpReplyException(new SmtpReply(504, "5.5.4", "Unrecognized authentication type"));
        }
    }

    /// <summary>
    /// One SCRAM-SHA-256 step (RFC 5802 §5): client-first → server-first, client-final → the verifier as a
    /// 334 challenge, the client's empty response → 235. Malformed is 501; refused fails as a wrong password.
    /// </summary>
    private async Task ScramStepAsync(string base64, CancellationToken cancellationToken)
    {
        var scram = _scram!;
        if (_scramResult is { } result)
        {
            _scram = null;
            if (base64.Length != 0)
            {
                throw new SmtpReplyException(new SmtpReply(501, "5.5.2", "Expected an empty response"));
            }
            Verified(scram.User, result);
            return;
        }
        if (!Sasl.TryDecodeBase64Text(base64, out var message))
        {
            _scram = null;
            throw new SmtpReplyException(new SmtpReply(501, "5.5.2", "Cannot decode response"));
        }
        var first = scram.User.Length == 0;
        var status = first ? scram.ReadClientFirst(message) : scram.ReadClientFinal(message);
        if (status != ScramStatus.Continue)
        {
            _scram = null;
            if (status == ScramStatus.Malformed)
            {
                throw new SmtpReplyException(new SmtpReply(501, "5.5.2", $"Malformed SCRAM message (e={scram.Error})"));
            }
            Verified(scram.User, new SignInResult(SignInOutcome.Failed));
            return;
        }
        if (first)
        {
            var secret = await _services.Authenticator.ScramSecretAsync(scram.User, cancellationToken).ConfigureAwait(false);
            _auth = (ScramServer.Mechanism, 1, null);
            Write(new SmtpReply(334, null, Sasl.EncodeBase64Text(scram.ServerFirst(new ScramCredentials(secret.Salt, secret.Iterations, secret.StoredKey, secret.ServerKey)))));
            return;
        }
        var outcome = await _services.Authenticator.ScramSignInAsync(scram.User, scram.ProofMatches, cancellationToken).ConfigureAwait(false);
        if (outcome.Outcome != SignInOutcome.Success)
        {
            _scram = null;
            Verified(scram.User, outcome);
            return;
        }
        _scramResult = outcome;
        _auth = (ScramServer.Mechanism, 2, null);
        Write(new SmtpReply(334, null, Sasl.EncodeBase64Text(scram.ServerFinal())));
    }

    private async Task AuthStepAsync(string response, CancellationToken cancellationToken)
    {
        var (mechanism, step, user) = _auth!.Value;
        _auth = null;
        try
        {
            if (response == "*")
            {
                _scram = null;
                throw new SmtpReplyException(new SmtpReply(501, "5.7.0", "Authentication cancelled"));
            }
            if (mechanism == ScramServer.Mechanism)
            {
                await ScramStepAsync(response, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (mechanism == "PLAIN")
            {
                await CompletePlainAsync(response, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (!Sasl.TryDecodeBase64Text(response, out var text))
            {
                throw new SmtpReplyException(new SmtpReply(501, "5.5.2", "Cannot decode response"));
            }
            if (step == 0)
            {
                _auth = ("LOGIN", 1, text);
                Write(new SmtpReply(334, null, Sasl.EncodeBase64Text("Password:")));
                return;
            }
            await VerifyAsync(user!, text, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpReplyException e)
        {
            await ErrorAsync(e.Reply).ConfigureAwait(false);
        }
    }

    private async Task CompletePlainAsync(string base64, CancellationToken cancellationToken)
    {
        if (!Sasl.TryDecodePlain(base64, out var user, out var password))
        {
            throw new SmtpReplyException(new SmtpReply(501, "5.5.2", "Cannot decode response"));
        }
        await VerifyAsync(user, password, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the password through the shared authenticator (growing pause, lockout).</summary>
    private async Task VerifyAsync(string user, string password, CancellationToken cancellationToken)
    {
        var result = await _services.Authenticator.SignInAsync(user, password, cancellationToken).ConfigureAwait(false);
        Verified(user, result);
    }

    private void Verified(string user, SignInResult result)
    {
        if (result.Outcome == SignInOutcome.Success)
        {
            _user = result.User!.Address;
            Write(new SmtpReply(235, "2.7.0", "Authentication successful"));
            return;
        }
        LogAuthFailed(_services.Logger, _id, user);
        if (++_authFailures >= Options.MaxAuthFailures)
        {
            Write(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
            Write(new SmtpReply(421, "4.7.0", $"{_services.HostName} Error: too many failed authentications"));
            _closing = true;
            return;
        }
        throw new SmtpReplyException(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
    }
}
