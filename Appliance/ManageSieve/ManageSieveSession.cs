using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering.Sieve;
using Appliance.ManageSieve.Parsing;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.Logging;

namespace Appliance.ManageSieve;

/// <summary>Everything a session needs from the server, shared by all sessions.</summary>
public sealed record ManageSieveServices(
    ManageSieveOptions Options,
    SieveScriptOptions ScriptOptions,
    SecurityOptions Security,
    string HostName,
    Authenticator Authenticator,
    SieveScripts Scripts,
    TlsCertificateStore Certificates,
    ILogger Logger);

/// <summary>
/// One ManageSieve conversation (RFC 5804): capabilities, STARTTLS, AUTHENTICATE PLAIN, then the script commands
/// over <see cref="SieveScripts"/>. It reads one command at a time (a line, and the literals it announces, each
/// bounded), answers, and flushes. Every refusal is a <see cref="ManageSieveResponseException"/> written by one catch
/// site; anything unexpected ends this session, never the server.
/// </summary>
public sealed partial class ManageSieveSession
{
    private readonly ManageSieveServices _services;
    private readonly SessionLoop _loop;
    private readonly IPEndPoint? _remote;
    private readonly string _id;
    private readonly CancellationToken _cancellation;

    private ManageSieveState _state = ManageSieveState.NonAuthenticated;
    private bool _closing;
    private int _errors;
    private int _authFailures;
    private User? _user;

    public ManageSieveSession(ManageSieveServices services, IDuplexPipe transport, IPEndPoint? remote, bool isTls, string id, CancellationToken cancellationToken)
    {
        _services = services;
        _loop = new SessionLoop(transport, isTls, services.Certificates, cancellationToken);
        _remote = remote;
        _id = id;
        _cancellation = cancellationToken;
    }

    private ManageSieveOptions Options => _services.Options;

    private bool IsTls => _loop.IsTls;

    private TimeSpan IdleTimeout => TimeSpan.FromSeconds(Options.IdleTimeoutSeconds);

    /// <summary>The goodbye when the idle timer fires (RFC 5804 §1.3 leaves the text to the server).</summary>
    private static readonly byte[] IdleGoodbye = ManageSieveResponse.Bye("Idle for too long, closing").ToBytes();

    public Task RunAsync() =>
        _loop.RunAsync(ConverseAsync, IdleGoodbye, () => LogTimeout(_services.Logger, _id), reason => LogEnded(_services.Logger, _id, reason));

    private async Task ConverseAsync()
    {
        // RFC 5804 §1.7: the greeting is the capability listing and an OK.
        WriteCapabilities();
        Write(ManageSieveResponse.Ok($"{_services.HostName} ManageSieve Appliance ready"));
        await _loop.FlushAsync().ConfigureAwait(false);
        while (!_closing)
        {
            var command = await ReadCommandAsync().ConfigureAwait(false);
            if (command is null)
            {
                return;
            }
            if (command.Count > 0)
            {
                await CommandAsync(command).ConfigureAwait(false);
            }
            await _loop.FlushAsync().ConfigureAwait(false);
            if (_tlsStarted)
            {
                // RFC 5804 §2.2: after the handshake the server sends its capabilities again, then OK.
                _tlsStarted = false;
                WriteCapabilities();
                Write(ManageSieveResponse.Ok("TLS negotiation successful"));
                await _loop.FlushAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads one command: its line, each literal it announces and the lines after them. Null when the client has gone.
    /// A malformed or overlong command is answered here (NO, or BYE past the limits) and comes back empty.
    /// </summary>
    private async Task<List<ManageSieveToken>?> ReadCommandAsync()
    {
        var tokens = new List<ManageSieveToken>();
        var continuation = false;
        ManageSieveResponse? failure = null;
        while (true)
        {
            var line = await _loop.ReadLineAsync(Options.MaxLineLength, IdleTimeout).ConfigureAwait(false);
            switch (line.Status)
            {
                case LineStatus.Ended:
                case LineStatus.Woken:
                    return null;
                case LineStatus.TooLong:
                    Refuse(ManageSieveResponse.No($"Line longer than {Options.MaxLineLength} octets"));
                    return [];
            }
            var status = ManageSieveLine.Parse(line.Bytes, continuation, tokens, out var length, out var error);
            if (status == ManageSieveLineStatus.Malformed)
            {
                Refuse(failure ?? ManageSieveResponse.No(error));
                return [];
            }
            if (status == ManageSieveLineStatus.Complete)
            {
                if (failure is not null)
                {
                    Refuse(failure);
                    return [];
                }
                return tokens;
            }
            continuation = true;
            if (length > _services.ScriptOptions.MaxScriptSize)
            {
                // A literal is sent whether we like it or not ({n+}): read past it to stay in step, unless it is absurd.
                if (length > DiscardLimit)
                {
                    Write(ManageSieveResponse.Bye($"Literal of {length} octets is far over the limit of {_services.ScriptOptions.MaxScriptSize}; closing"));
                    _closing = true;
                    return [];
                }
                failure = ManageSieveResponse.No($"Scripts are limited to {_services.ScriptOptions.MaxScriptSize} bytes", "QUOTA/MAXSIZE");
                if (!await _loop.ReadExactlyAsync(static _ => ValueTask.CompletedTask, length, IdleTimeout).ConfigureAwait(false))
                {
                    return null;
                }
                continue;
            }
            if (tokens.Count >= MaxArguments)
            {
                failure ??= ManageSieveResponse.No("Too many arguments");
            }
            var octets = new ArrayBufferWriter<byte>((int)Math.Max(length, 1));
            if (!await _loop.ReadExactlyAsync(octets, length, IdleTimeout).ConfigureAwait(false))
            {
                return null;
            }
            if (!ManageSieveLine.TryDecode(octets.WrittenSpan, out var text))
            {
                failure ??= ManageSieveResponse.No("A literal is not valid UTF-8");
                continue;
            }
            tokens.Add(ManageSieveToken.Text(text));
        }
    }

    /// <summary>No command has more than three arguments; more literals are a client gone wrong.</summary>
    private const int MaxArguments = 4;

    /// <summary>A literal over the script limit is still read and dropped up to 16 times the limit; past that the session ends.</summary>
    private long DiscardLimit => 16L * _services.ScriptOptions.MaxScriptSize;

    private async Task CommandAsync(List<ManageSieveToken> tokens)
    {
        var name = tokens[0].IsString ? "" : tokens[0].Value.ToUpperInvariant();
        var arguments = tokens.Skip(1).ToList();
        try
        {
            if (!ManageSieveStateTable.IsKnown(name))
            {
                throw new ManageSieveResponseException(ManageSieveResponse.No("Unknown command"));
            }
            if (!ManageSieveStateTable.Accepts(_state, name))
            {
                throw new ManageSieveResponseException(ManageSieveStateTable.WrongState(_state));
            }
            switch (name)
            {
                case "CAPABILITY": Capability(arguments); break;
                case "LOGOUT": Logout(arguments); break;
                case "NOOP": Noop(arguments); break;
                case "STARTTLS": StartTls(arguments); break;
                case "AUTHENTICATE": await AuthenticateAsync(arguments).ConfigureAwait(false); break;
                case "UNAUTHENTICATE": Unauthenticate(arguments); break;
                case "HAVESPACE": await HaveSpaceAsync(arguments).ConfigureAwait(false); break;
                case "PUTSCRIPT": await PutScriptAsync(arguments).ConfigureAwait(false); break;
                case "LISTSCRIPTS": await ListScriptsAsync(arguments).ConfigureAwait(false); break;
                case "SETACTIVE": await SetActiveAsync(arguments).ConfigureAwait(false); break;
                case "GETSCRIPT": await GetScriptAsync(arguments).ConfigureAwait(false); break;
                case "DELETESCRIPT": await DeleteScriptAsync(arguments).ConfigureAwait(false); break;
                case "RENAMESCRIPT": await RenameScriptAsync(arguments).ConfigureAwait(false); break;
                case "CHECKSCRIPT": CheckScript(arguments); break;
            }
        }
        catch (ManageSieveResponseException e)
        {
            Refuse(e.Response);
        }
        catch (SieveScriptException e)
        {
            Refuse(ManageSieveResponse.No(e.Message, Code(e.Error)));
        }
        catch (StorageException e)
        {
            LogStorageFailed(_services.Logger, _id, _user?.Address ?? "", e);
            Refuse(ManageSieveResponse.No("The script store is unavailable, try again later", "TRYLATER"));
        }
    }

    /// <summary>RFC 5804 §1.3's response codes for each refusal of the store.</summary>
    private static string? Code(SieveScriptError error) => error switch
    {
        SieveScriptError.NonExistent => "NONEXISTENT",
        SieveScriptError.Active => "ACTIVE",
        SieveScriptError.AlreadyExists => "ALREADYEXISTS",
        SieveScriptError.TooManyScripts => "QUOTA/MAXSCRIPTS",
        SieveScriptError.TooLarge => "QUOTA/MAXSIZE",
        _ => null,
    };

    /// <summary>Writes a refusal; too many of them end the session with BYE.</summary>
    private void Refuse(ManageSieveResponse response)
    {
        Write(response);
        if (response.Status == "BYE")
        {
            _closing = true;
            return;
        }
        if (++_errors >= Options.MaxErrors)
        {
            Write(ManageSieveResponse.Bye("Too many errors, closing"));
            _closing = true;
        }
    }

    private void Write(ManageSieveResponse response) => _loop.Output.Write(response.ToBytes());

    private void WriteRaw(string text) => _loop.Output.Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Passwords only under TLS unless plaintext is allowed (RFC 5804 §2.1, like POP3 and IMAP here).</summary>
    private bool MayAuthenticate => IsTls || _services.Security.AllowPlaintextAuth;

    [LoggerMessage(EventId = 4901, Level = LogLevel.Information, Message = "[{Session}] ManageSieve idle timeout")]
    private static partial void LogTimeout(ILogger logger, string session);

    [LoggerMessage(EventId = 4902, Level = LogLevel.Debug, Message = "[{Session}] ManageSieve session ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = 4903, Level = LogLevel.Warning, Message = "[{Session}] ManageSieve authentication failed for {User} from {Remote}")]
    private static partial void LogAuthFailed(ILogger logger, string session, string user, string remote);

    [LoggerMessage(EventId = 4904, Level = LogLevel.Information, Message = "[{Session}] ManageSieve sign-in of {User}")]
    private static partial void LogSignedIn(ILogger logger, string session, string user);

    [LoggerMessage(EventId = 4905, Level = LogLevel.Error, Message = "[{Session}] ManageSieve storage failure for {User}")]
    private static partial void LogStorageFailed(ILogger logger, string session, string user, Exception exception);

    [LoggerMessage(EventId = 4906, Level = LogLevel.Information, Message = "[{Session}] ManageSieve: {User} {Action} script {Script}")]
    private static partial void LogScriptChanged(ILogger logger, string session, string user, string action, string script);
}
