using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Uce;
using Appliance.Mail;
using Appliance.Protocols;
using Appliance.Smtp.Parsing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Appliance.Smtp;

/// <summary>How a listener is used: mail from the internet, or users' submission (RFC 6409).</summary>
public enum SmtpMode
{
    /// <summary>Port 25: mail for hosted domains; no AUTH, no relay.</summary>
    Inbound,
    /// <summary>Ports 587 (STARTTLS) and 465 (implicit TLS): AUTH required, relay for the user.</summary>
    Submission,
}

/// <summary>Everything a session needs from the server, shared by all sessions of a listener.</summary>
public sealed record SmtpServices(
    SmtpOptions Options,
    SecurityOptions Security,
    string HostName,
    SubmissionPolicy Policy,
    DeliveryAgent Delivery,
    MessageInspector Inspector,
    Authenticator Authenticator,
    MessageLog Log,
    TlsCertificateStore Certificates,
    string SpoolDirectory,
    ILogger Logger);

/// <summary>
/// One SMTP conversation (RFC 5321 with PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
/// STARTTLS, AUTH and CHUNKING). It owns the read loop over the connection's pipe; replies to a
/// pipelined batch are flushed together. Every refusal is an <see cref="SmtpReplyException"/> written
/// by one catch site; anything unexpected ends this session, never the server.
/// </summary>
public sealed partial class SmtpSession
{
    private readonly SmtpServices _services;
    private readonly SmtpMode _mode;
    private readonly SessionLoop _loop;
    private readonly IPEndPoint? _remote;
    private readonly string _id;

    private SmtpState _state = SmtpState.Connected;
    private bool _closing;
    private readonly LineSplitter _lines = new();
    private int _errors;
    private int _authFailures;
    private string _helo = "";
    private bool _esmtp;
    private string? _user;
    private (string Mechanism, int Step, string? User)? _auth;
    // SCRAM-SHA-256 under way, and once the proof is checked, the outcome waiting for the client's empty response.
    private ScramServer? _scram;
    private SignInResult? _scramResult;

    private SmtpPath _sender;
    private readonly List<ResolvedRecipient> _recipients = [];
    private SpooledBuffer? _spool;
    private DataDecoder? _data;
    private long _bdatRemaining;
    private bool _bdatLast;
    private bool _bdatRejected;

    // The UCE checks of this connection (Filtering/Uce): at connect, HELO, MAIL and RCPT; their symbols are for the message's verdict.
    private readonly UceSession? _uce;

    public SmtpSession(SmtpServices services, SmtpMode mode, IDuplexPipe transport, IPEndPoint? remote, bool isTls, string id, CancellationToken cancellationToken, UceSession? uce = null)
    {
        _uce = uce;
        _services = services;
        _mode = mode;
        _loop = new SessionLoop(transport, isTls, services.Certificates, cancellationToken);
        _cancellation = cancellationToken;
        _remote = remote;
        _id = id;
    }

    public bool IsTls => _loop.IsTls;

    private SmtpOptions Options => _services.Options;

    private PipeWriter Output => _loop.Output;

    private readonly CancellationToken _cancellation;

    public async Task RunAsync()
    {
        try
        {
            // RFC 5321 §4.5.3.2: a server that times out closes with 421.
            var goodbye = new SmtpReply(421, "4.4.2", $"{_services.HostName} Error: timeout exceeded").ToBytes();
            await _loop.RunAsync(ConverseAsync, goodbye, () => LogTimeout(_services.Logger, _id), reason => LogEnded(_services.Logger, _id, reason)).ConfigureAwait(false);
        }
        finally
        {
            await ResetTransactionAsync().ConfigureAwait(false);
        }
    }

    private async Task ConverseAsync()
    {
        if (_uce is not null && await _uce.ConnectAsync(_cancellation).ConfigureAwait(false) is { } refusal)
        {
            // In place of the greeting (RFC 5321 §3.1: 554, or 421 for a temporary reason), then the session ends.
            Write(ToReply(refusal));
            await _loop.FlushAsync().ConfigureAwait(false);
            return;
        }
        Write(new SmtpReply(220, null, $"{_services.HostName} ESMTP Appliance"));
        await _loop.FlushAsync().ConfigureAwait(false);
        while (!_closing)
        {
            var timeout = TimeSpan.FromSeconds(_data is not null || _bdatRemaining > 0 ? Options.DataTimeoutSeconds : Options.CommandTimeoutSeconds);
            var read = await _loop.ReadAsync(AnswerAsync, timeout).ConfigureAwait(false);
            // Replies to a pipelined batch go out together; after STARTTLS's 220 the handshake runs here.
            await _loop.FlushAsync().ConfigureAwait(false);
            if (read == SessionRead.Ended)
            {
                if (_data is not null || _bdatRemaining > 0)
                {
                    LogVanished(_services.Logger, _id);
                }
                return;
            }
        }
    }

    private async ValueTask<ReadOnlySequence<byte>> AnswerAsync(ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            var (rest, pending, syncPoint) = Frame(buffer);
            buffer = rest;
            foreach (var step in pending)
            {
                await step().ConfigureAwait(false);
            }
            // After a command whose outcome decides how to read what follows (DATA, BDAT, AUTH),
            // frame the rest of what is already buffered with the new state.
            if (!syncPoint || _closing || _loop.TlsRequested || buffer.IsEmpty)
            {
                return buffer;
            }
        }
    }

    /// <summary>
    /// Splits what is complete in <paramref name="buffer"/> into steps to run, without awaiting (spans
    /// never cross an await). Stops at a sync point: a command whose outcome decides how the following
    /// bytes are read.
    /// </summary>
    private (ReadOnlySequence<byte> Remaining, List<Func<Task>> Pending, bool SyncPoint) Frame(ReadOnlySequence<byte> buffer)
    {
        var pending = new List<Func<Task>>();
        while (!_closing && !_loop.TlsRequested)
        {
            if (_bdatRemaining > 0)
            {
                if (buffer.IsEmpty) break;
                var take = Math.Min(_bdatRemaining, buffer.Length);
                var chunk = buffer.Slice(0, take).ToArray();
                buffer = buffer.Slice(take);
                _bdatRemaining -= take;
                var finished = _bdatRemaining == 0;
                pending.Add(() => BdatBytesAsync(chunk, finished, _cancellation));
                if (!finished) break;
                return (buffer, pending, true);
            }
            if (_data is not null)
            {
                var writer = new ArrayBufferWriter<byte>((int)Math.Min(buffer.Length + 2, 1 << 20));
                var (consumed, finished) = _data.Decode(buffer, writer);
                buffer = buffer.Slice(consumed);
                var bytes = writer.WrittenMemory;
                pending.Add(() => DataBytesAsync(bytes, finished, _cancellation));
                if (!finished) break;
                return (buffer, pending, true);
            }
            var outcome = _lines.Next(ref buffer, Options.MaxCommandLength, out var line);
            if (outcome == LineReader.Result.NeedMore) break;
            if (outcome == LineReader.Result.TooLong)
            {
                pending.Add(LineTooLongAsync);
                // An overlong SASL response ends the exchange; what follows is read as commands again.
                if (_auth is not null) return (buffer, pending, true);
                continue;
            }
            if (_auth is not null)
            {
                var response = Encoding.UTF8.GetString(line);
                pending.Add(() => AuthStepAsync(response, _cancellation));
                return (buffer, pending, true);
            }
            var command = SmtpCommand.Parse(line);
            pending.Add(() => CommandAsync(command, _cancellation));
            if (command.Verb == "STARTTLS" && !IsTls && SmtpStateTable.Accepts(_state, "STARTTLS") && command.Arguments.Length == 0)
            {
                // RFC 3207 §6: anything the client sent after STARTTLS, before the handshake, is discarded (the loop drops the rest of this read).
                _loop.RequestTls();
                break;
            }
            if (command.Verb is "DATA" or "BDAT" or "AUTH")
            {
                return (buffer, pending, true);
            }
        }
        return (buffer, pending, false);
    }

    private async Task CommandAsync(SmtpCommand command, CancellationToken cancellationToken)
    {
        if (_closing) return;
        try
        {
            if (!SmtpStateTable.IsKnown(command.Verb))
            {
                throw new SmtpReplyException(SmtpReply.Unrecognized);
            }
            if (!SmtpStateTable.Accepts(_state, command.Verb))
            {
                throw new SmtpReplyException(command.Verb switch
                {
                    "MAIL" when _state == SmtpState.Connected => new SmtpReply(503, "5.5.1", "Error: send HELO/EHLO first"),
                    "MAIL" => new SmtpReply(503, "5.5.1", "Error: nested MAIL command"),
                    "RCPT" => new SmtpReply(503, "5.5.1", "Error: need MAIL command"),
                    "DATA" or "BDAT" when _state is SmtpState.Ready or SmtpState.Connected => new SmtpReply(503, "5.5.1", "Error: need RCPT command"),
                    "STARTTLS" or "AUTH" when _state is SmtpState.Mail or SmtpState.Rcpt => new SmtpReply(503, "5.5.1", "Error: MAIL transaction in progress"),
                    "AUTH" when _state == SmtpState.Connected => new SmtpReply(503, "5.5.1", "Error: send EHLO first"),
                    _ => SmtpReply.BadSequence,
                });
            }
            switch (command.Verb)
            {
                case "EHLO": await HeloAsync(command.Arguments, extended: true).ConfigureAwait(false); break;
                case "HELO": await HeloAsync(command.Arguments, extended: false).ConfigureAwait(false); break;
                case "STARTTLS": StartTls(command.Arguments); break;
                case "AUTH": await AuthAsync(command.Arguments, cancellationToken).ConfigureAwait(false); break;
                case "MAIL": await MailAsync(command.Arguments, cancellationToken).ConfigureAwait(false); break;
                case "RCPT": await RcptAsync(command.Arguments, cancellationToken).ConfigureAwait(false); break;
                case "DATA": Data(command.Arguments); break;
                case "BDAT": await BdatAsync(command.Arguments).ConfigureAwait(false); break;
                case "RSET":
                    await ResetTransactionAsync().ConfigureAwait(false);
                    if (_state != SmtpState.Connected) _state = SmtpState.Ready;
                    Write(SmtpReply.Ok);
                    break;
                case "NOOP": Write(SmtpReply.Ok); break;
                case "QUIT":
                    Write(new SmtpReply(221, "2.0.0", "Bye"));
                    _closing = true;
                    break;
                // RFC 5321 §3.5.3: 252 says "will try" without telling whether the address exists.
                case "VRFY": Write(new SmtpReply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery")); break;
                case "HELP": Write(new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH", "See RFC 5321")); break;
            }
        }
        catch (SmtpReplyException e)
        {
            await ErrorAsync(e.Reply).ConfigureAwait(false);
        }
    }

    private Task LineTooLongAsync()
    {
        _auth = null;
        return ErrorAsync(SmtpReply.LineTooLong);
    }

    /// <summary>Writes a refusal; too many of them end the session (RFC 5321 leaves the limit to the server).</summary>
    private Task ErrorAsync(SmtpReply reply)
    {
        // Lines pipelined after the 421 (or QUIT) that ended the session get no reply.
        if (_closing) return Task.CompletedTask;
        Write(reply);
        if (reply.Code >= 500 && ++_errors >= Options.MaxErrors)
        {
            Write(new SmtpReply(421, "4.7.0", $"{_services.HostName} Error: too many errors"));
            _closing = true;
        }
        return Task.CompletedTask;
    }

    private async Task HeloAsync(string argument, bool extended)
    {
        if (argument.Length == 0 || argument.Contains(' ', StringComparison.Ordinal))
        {
            throw new SmtpReplyException(new SmtpReply(501, "5.5.4", $"Syntax: {(extended ? "EHLO" : "HELO")} hostname"));
        }
        if (_uce is not null && await _uce.HeloAsync(argument, _cancellation).ConfigureAwait(false) is { } refusal)
        {
            throw new SmtpReplyException(ToReply(refusal));
        }
        _helo = argument;
        _esmtp = extended;
        _state = SmtpState.Ready;
        _recipients.Clear();
        if (!extended)
        {
            Write(new SmtpReply(250, null, _services.HostName));
            return;
        }
        var lines = new List<string>
        {
            _services.HostName,
            "PIPELINING",
            $"SIZE {Options.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
        };
        if (!IsTls && _services.Certificates is not null)
        {
            lines.Add("STARTTLS");
        }
        if (OffersAuth)
        {
            lines.Add("AUTH PLAIN LOGIN " + ScramServer.Mechanism);
        }
        Write(new SmtpReply(250, null, [.. lines]));
    }

    /// <summary>AUTH is for submission, and only under TLS unless plaintext passwords are allowed (RFC 4954 §4).</summary>
    private bool OffersAuth => _mode == SmtpMode.Submission && _user is null && (IsTls || _services.Security.AllowPlaintextAuth);

    private void StartTls(string argument)
    {
        if (argument.Length > 0) throw new SmtpReplyException(SmtpReply.SyntaxError);
        if (IsTls) throw new SmtpReplyException(new SmtpReply(503, "5.5.1", "Error: TLS already active"));
        Write(new SmtpReply(220, "2.0.0", "Ready to start TLS"));
        // RFC 3207 §4.2: the client starts over with EHLO; nothing learned before TLS is kept. The handshake
        // runs once this reply is flushed (the framing already asked the loop for it).
        _state = SmtpState.Connected;
        _helo = "";
    }

    private void Write(SmtpReply reply)
    {
        var bytes = reply.ToBytes();
        Output.Write(bytes);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "[{Session}] timed out")]
    private static partial void LogTimeout(ILogger logger, string session);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "[{Session}] client vanished during message data; nothing was accepted")]
    private static partial void LogVanished(ILogger logger, string session);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "[{Session}] ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "[{Session}] {Outcome} from <{Sender}> to <{Recipient}>: {Reply}")]
    private static partial void LogRecipient(ILogger logger, string session, string outcome, string sender, string recipient, string reply);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "[{Session}] refused a message with {Code}: {Reason} [{Symbols}]")]
    private static partial void LogRefused(ILogger logger, string session, int code, string reason, string symbols);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "[{Session}] could not store a message")]
    private static partial void LogStoreFailed(ILogger logger, string session, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "[{Session}] authentication failed for {User}")]
    private static partial void LogAuthFailed(ILogger logger, string session, string user);
}
