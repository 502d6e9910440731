using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.AspNetCore.Connections;
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
    private readonly IDuplexPipe _transport;
    private readonly IPEndPoint? _remote;
    private readonly string _id;
    private PipeReader _input;
    private PipeWriter _output;
    private SslStream? _tls;
    private CancellationToken _cancellation;

    private Pop3State _state = Pop3State.Authorization;
    private bool _closing;
    private bool _startTls;
    private readonly LineSplitter _lines = new();
    private int _errors;

    public Pop3Session(Pop3Services services, IDuplexPipe transport, IPEndPoint? remote, bool isTls, string id)
    {
        _services = services;
        _transport = transport;
        _input = transport.Input;
        _output = transport.Output;
        _remote = remote;
        IsTls = isTls;
        _id = id;
    }

    public bool IsTls { get; private set; }

    private Pop3Options Options => _services.Options;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        try
        {
            Write(Pop3Reply.Success($"{_services.HostName} POP3 Appliance ready"));
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (!_closing)
            {
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timer.CancelAfter(TimeSpan.FromSeconds(Options.IdleTimeoutSeconds));
                ReadResult result;
                try
                {
                    result = await _input.ReadAsync(timer.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // RFC 1939 §3: the autologout closes without a response and without the UPDATE state.
                    LogTimeout(_services.Logger, _id);
                    return;
                }
                var buffer = result.Buffer;
                try
                {
                    while (!_closing && !_startTls)
                    {
                        var outcome = _lines.Next(ref buffer, Options.MaxLineLength, out var line);
                        if (outcome == LineReader.Result.NeedMore) break;
                        if (outcome == LineReader.Result.TooLong)
                        {
                            await LineTooLongAsync().ConfigureAwait(false);
                            continue;
                        }
                        // The buffer is not advanced until this batch is done, so the line stays valid across awaits.
                        if (_saslPending)
                        {
                            await SaslResponseAsync(Encoding.UTF8.GetString(line)).ConfigureAwait(false);
                        }
                        else
                        {
                            await CommandAsync(Pop3Command.Parse(line)).ConfigureAwait(false);
                        }
                        if (_startTls)
                        {
                            // RFC 2595 §4 (as RFC 3207 §6): what the client sent before the handshake is not trusted; drop it.
                            buffer = buffer.Slice(buffer.End);
                        }
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (_startTls)
                {
                    _startTls = false;
                    await UpgradeToTlsAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (result.IsCompleted)
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
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ConnectionResetException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            LogEnded(_services.Logger, _id, e.Message);
        }
        finally
        {
            _lock?.Dispose();
            if (_tls is not null)
            {
                await _tls.DisposeAsync().ConfigureAwait(false);
            }
        }
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
                lines.Add("SASL PLAIN");
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
        _startTls = true;
    }

    private async Task UpgradeToTlsAsync(CancellationToken cancellationToken)
    {
        var tls = await TlsUpgrade.StartAsync(_transport, _services.Certificates.Context, TimeSpan.FromSeconds(Options.IdleTimeoutSeconds), cancellationToken).ConfigureAwait(false);
        (_tls, _input, _output) = (tls.Stream, tls.Input, tls.Output);
        IsTls = true;
        // RFC 2595 §4: nothing learned before TLS is kept, a USER name included.
        _pendingUser = null;
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

    private void Write(Pop3Reply reply) => _output.Write(reply.ToBytes());

    /// <summary>RFC 1939 §3: a status line, the lines (byte-stuffed), and a line with a single ".".</summary>
    private void WriteMultiline(Pop3Reply reply, IEnumerable<string> lines)
    {
        var text = new StringBuilder(reply.ToString()).Append("\r\n");
        foreach (var line in lines)
        {
            text.Append(line.StartsWith('.') ? "." : "").Append(line).Append("\r\n");
        }
        text.Append(".\r\n");
        _output.Write(Encoding.UTF8.GetBytes(text.ToString()));
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
