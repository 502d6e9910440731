using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.Logging;

namespace Appliance.Pop3;

/// <summary>Everything a session needs from the server, shared by all sessions.</summary>
public sealed record Pop3Services(
    Pop3Options Options,
    SecurityOptions Security,
    string HostName,
    Authenticator Authenticator,
    Database Database,
    MailStore Store,
    BlobStore Blobs,
    MailboxEvents Events,
    Pop3Locks Locks,
    Pop3SizeCache Sizes,
    TlsCertificateStore Certificates,
    ILogger Logger);

/// <summary>
/// One POP3 conversation (RFC 1939 with RFC 2449 CAPA and response codes, RFC 2595 STLS and RFC 5034
/// AUTH PLAIN). It owns the read loop over the connection's pipe and answers the commands a client
/// pipelines in order. Every refusal is a <see cref="Pop3ReplyException"/> written by one catch site;
/// anything unexpected ends this session, never the server. The maildrop lock is released in the
/// session's <c>finally</c>, so a vanished client never keeps the mailbox.
/// </summary>
public sealed partial class Pop3Session
{
    private readonly Pop3Services _services;
    private readonly SessionLoop _loop;
    private readonly IPEndPoint? _remote;
    private readonly string _id;
    private readonly CancellationToken _cancellation;

    private Pop3State _state = Pop3State.Authorization;
    private bool _closing;
    private readonly LineSplitter _lines = new();
    private int _errors;

    public Pop3Session(Pop3Services services, IDuplexPipe transport, IPEndPoint? remote, bool isTls, string id, CancellationToken cancellationToken)
    {
        _services = services;
        _loop = new SessionLoop(transport, isTls, services.Certificates, cancellationToken);
        _cancellation = cancellationToken;
        _remote = remote;
        _id = id;
    }

    public bool IsTls => _loop.IsTls;

    private Pop3Options Options => _services.Options;

    private PipeWriter Output => _loop.Output;

    public async Task RunAsync()
    {
        try
        {
            // RFC 1939 §3: the autologout closes without a response and without the UPDATE state.
            await _loop.RunAsync(ConverseAsync, ReadOnlyMemory<byte>.Empty, () => LogTimeout(_services.Logger, _id), reason => LogEnded(_services.Logger, _id, reason)).ConfigureAwait(false);
        }
        finally
        {
            _lock?.Dispose();
        }
    }

    private async Task ConverseAsync()
    {
        Write(Pop3Reply.Success($"{_services.HostName} POP3 Appliance ready"));
        await _loop.FlushAsync().ConfigureAwait(false);
        while (!_closing)
        {
            var read = await _loop.ReadAsync(AnswerAsync, TimeSpan.FromSeconds(Options.IdleTimeoutSeconds)).ConfigureAwait(false);
            // Replies to a pipelined batch go out together; after STLS's +OK the handshake runs here.
            await _loop.FlushAsync().ConfigureAwait(false);
            if (read == SessionRead.Ended)
            {
                // No QUIT, so no UPDATE state (RFC 1939 §6): messages marked deleted stay.
                if (_state == Pop3State.Transaction)
                {
                    LogVanished(_services.Logger, _id, _user?.Address ?? "");
                }
                return;
            }
        }
    }

    /// <summary>Answers the whole lines in <paramref name="buffer"/> in order; the buffer stays valid across the awaits.</summary>
    private async ValueTask<ReadOnlySequence<byte>> AnswerAsync(ReadOnlySequence<byte> buffer)
    {
        while (!_closing && !_loop.TlsRequested)
        {
            var outcome = _lines.Next(ref buffer, Options.MaxLineLength, out var line);
            if (outcome == LineReader.Result.NeedMore) break;
            if (outcome == LineReader.Result.TooLong)
            {
                await LineTooLongAsync().ConfigureAwait(false);
                continue;
            }
            if (_saslPending)
            {
                await SaslResponseAsync(Encoding.UTF8.GetString(line)).ConfigureAwait(false);
            }
            else
            {
                await CommandAsync(Pop3Command.Parse(line)).ConfigureAwait(false);
            }
        }
        return buffer;
    }

    private async Task CommandAsync(Pop3Command command)
    {
        try
        {
            if (!Pop3StateTable.IsKnown(command.Keyword))
            {
                throw new Pop3ReplyException(Pop3Reply.Unknown);
            }
            if (!Pop3StateTable.Accepts(_state, command.Keyword))
            {
                throw new Pop3ReplyException(Pop3StateTable.WrongState(_state));
            }
            switch (command.Keyword)
            {
                case "CAPA": Capa(command); break;
                case "QUIT": await QuitAsync(command).ConfigureAwait(false); break;
                case "STLS": Stls(command); break;
                case "USER": User(command); break;
                case "PASS": await PassAsync(command).ConfigureAwait(false); break;
                case "AUTH": await AuthAsync(command).ConfigureAwait(false); break;
                case "STAT": Stat(command); break;
                case "LIST": List(command); break;
                case "UIDL": Uidl(command); break;
                case "RETR": await RetrAsync(command).ConfigureAwait(false); break;
                case "TOP": await TopAsync(command).ConfigureAwait(false); break;
                case "DELE": Dele(command); break;
                case "RSET": Rset(command); break;
                case "NOOP": Noop(command); break;
            }
        }
        catch (Pop3ReplyException e)
        {
            Refuse(e.Reply);
        }
    }

    private Task LineTooLongAsync()
    {
        // An overlong SASL response ends the exchange; what follows is read as commands again.
        _saslPending = false;
        _scram = null;
        Refuse(Pop3Reply.LineTooLong);
        return Task.CompletedTask;
    }

    /// <summary>Writes a refusal; too many of them end the session (RFC 1939 leaves the limit to the server).</summary>
    private void Refuse(Pop3Reply reply)
    {
        Write(reply);
        if (++_errors >= Options.MaxErrors)
        {
            Write(Pop3Reply.Error("Too many errors, closing"));
            _closing = true;
        }
    }

    /// <summary>RFC 2449 §5: the capabilities that hold in the current state, then a lone ".".</summary>
    private void Capa(Pop3Command command)
    {
        NoArguments(command);
        var lines = new List<string> { "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING" };
        if (_state == Pop3State.Authorization)
        {
            if (MayAuthenticate)
            {
                lines.Add("USER");
                lines.Add("SASL PLAIN " + ScramServer.Mechanism);
            }
            if (!IsTls)
            {
                lines.Add("STLS");
            }
        }
        lines.Add("IMPLEMENTATION Appliance");
        WriteMultiline(Pop3Reply.Success("Capability list follows"), lines);
    }

    /// <summary>RFC 2595 §4: STLS only before sign-in and only once.</summary>
    private void Stls(Pop3Command command)
    {
        NoArguments(command);
        if (IsTls)
        {
            throw new Pop3ReplyException(Pop3Reply.Error("TLS is already active"));
        }
        Write(Pop3Reply.Success("Begin TLS negotiation"));
        // RFC 2595 §4: nothing learned before TLS is kept, a USER name included; what the client sent after STLS is dropped.
        _pendingUser = null;
        _loop.RequestTls();
    }

    private async Task QuitAsync(Pop3Command command)
    {
        NoArguments(command);
        _closing = true;
        if (_state == Pop3State.Transaction)
        {
            await UpdateAsync().ConfigureAwait(false);
            return;
        }
        Write(Pop3Reply.Success($"{_services.HostName} POP3 Appliance signing off"));
    }

    private static void NoArguments(Pop3Command command)
    {
        if (command.Arguments.Length > 0)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
    }

    private void Write(Pop3Reply reply) => Output.Write(reply.ToBytes());

    /// <summary>RFC 1939 §3: a status line, the lines (byte-stuffed), and a line with a single ".".</summary>
    private void WriteMultiline(Pop3Reply reply, IEnumerable<string> lines)
    {
        var text = new StringBuilder(reply.ToString()).Append("\r\n");
        foreach (var line in lines)
        {
            text.Append(line.StartsWith('.') ? "." : "").Append(line).Append("\r\n");
        }
        text.Append(".\r\n");
        Output.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "[{Session}] POP3 idle timeout: closed without deleting anything")]
    private static partial void LogTimeout(ILogger logger, string session);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Debug, Message = "[{Session}] POP3 session ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "[{Session}] POP3 authentication failed for {User} from {Remote}")]
    private static partial void LogAuthFailed(ILogger logger, string session, string user, string remote);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Information, Message = "[{Session}] POP3 sign-in of {User}: {Count} messages")]
    private static partial void LogSignedIn(ILogger logger, string session, string user, int count);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Information, Message = "[{Session}] POP3 sign-in of {User} refused: the maildrop is locked by another session")]
    private static partial void LogInUse(ILogger logger, string session, string user);

    [LoggerMessage(EventId = 4406, Level = LogLevel.Information, Message = "[{Session}] POP3 QUIT by {User}: {Count} messages deleted")]
    private static partial void LogDeleted(ILogger logger, string session, string user, int count);

    [LoggerMessage(EventId = 4407, Level = LogLevel.Error, Message = "[{Session}] POP3 storage failure for {User}")]
    private static partial void LogStorageFailed(ILogger logger, string session, string user, Exception exception);

    [LoggerMessage(EventId = 4408, Level = LogLevel.Warning, Message = "[{Session}] POP3 message {Uid} of {User} has no body in the blob store")]
    private static partial void LogMissingBody(ILogger logger, string session, long uid, string user);

    [LoggerMessage(EventId = 4409, Level = LogLevel.Information, Message = "[{Session}] POP3 client of {User} vanished without QUIT; nothing was deleted")]
    private static partial void LogVanished(ILogger logger, string session, string user);
}
