using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.Logging;

namespace Appliance.Imap;

public enum ImapState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}

/// <summary>Everything a session needs from the server, shared by all sessions.</summary>
public sealed record ImapServices(
    ImapOptions Options,
    SecurityOptions Security,
    string HostName,
    Authenticator Authenticator,
    MailStore Store,
    MessageLoader Messages,
    MailboxEvents Events,
    MailboxWriter Writer,
    TlsCertificateStore Certificates,
    ImapConnections Connections,
    StructureCache Structures,
    TextIndex TextIndex,
    MessageSummaries Summaries,
    UserService Users,
    ILogger Logger,
    string SpoolDirectory,
    Appliance.Mail.JunkTraining Training);

/// <summary>A refusal: NO with an optional response code (RFC 5530).</summary>
public sealed class ImapNoException(string? code, string message) : Exception(message)
{
    public string? Code { get; } = code;
}

/// <summary>One parsed command: its tag, name, whether it came as UID ..., and the parser at its arguments.</summary>
public sealed record ImapRequest(string Tag, string Name, bool Uid, ImapParser Args);

/// <summary>
/// One IMAP4rev1 conversation (RFC 3501 with the extensions in <see cref="ImapCommands"/>). The read loop
/// takes whole commands (literals included) and runs them one at a time; each command is a class of its
/// own in <c>Commands/</c>. After a command, changes other sessions made to the selected mailbox are
/// announced (EXISTS, EXPUNGE, FETCH FLAGS), except where RFC 3501 §7.4.1 forbids EXPUNGE.
/// </summary>
public sealed partial class ImapSession
{
    /// <summary>RFC 3501 §5.4's autologout, written by the session loop when the idle timer fires.</summary>
    private static readonly byte[] Autologout = "* BYE Autologout; idle for too long\r\n"u8.ToArray();

    private readonly SessionLoop _loop;
    private readonly ImapCommandReader _reader;
    private int _authFailures;
    private int _badInARow;

    public ImapSession(ImapServices services, IDuplexPipe transport, IPEndPoint? remote, bool isTls, string id, CancellationToken cancellationToken)
    {
        Services = services;
        _loop = new SessionLoop(transport, isTls, services.Certificates, cancellationToken);
        _reader = new ImapCommandReader(services.Options, services.SpoolDirectory);
        Remote = remote;
        Id = id;
        Cancellation = cancellationToken;
    }

    public ImapServices Services { get; }
    public IPEndPoint? Remote { get; }
    public string Id { get; }
    public bool IsTls => _loop.IsTls;
    public bool IsCompressed => _loop.IsCompressed;
    public ImapState State { get; set; } = ImapState.NotAuthenticated;
    public User? User { get; private set; }
    public SelectedMailbox? Selected { get; private set; }

    /// <summary>The selected mailbox by the name the client used for it (shared folders carry their owner's prefix).</summary>
    public string? SelectedName { get; private set; }

    /// <summary>What NOTIFY SET asked for (RFC 5465); null without it or after NOTIFY NONE.</summary>
    public Notifications? Notify { get; private set; }
    public HashSet<string> Enabled { get; } = new(StringComparer.OrdinalIgnoreCase);
    public CancellationToken Cancellation { get; }

    /// <summary>RFC 9051's capability, which ENABLE IMAP4rev2 turns on for the session (RFC 9051 §6.3.1).</summary>
    public const string Rev2Capability = "IMAP4rev2";

    /// <summary>RFC 6855's capability: UTF-8 mailbox names (and quoted strings) once enabled.</summary>
    public const string Utf8AcceptCapability = "UTF8=ACCEPT";

    /// <summary>
    /// Whether the client enabled IMAP4rev2: no \Recent and no RECENT response, SEARCH answered with ESEARCH, a LIST
    /// response in SELECT, UTF-8 mailbox names (RFC 9051 Appendix E).
    /// </summary>
    public bool Rev2 => Enabled.Contains(Rev2Capability);

    /// <summary>Whether mailbox names go both ways as UTF-8 instead of modified UTF-7 (RFC 6855 §3, RFC 9051 §5.1).</summary>
    public bool Utf8Names => Rev2 || Enabled.Contains(Utf8AcceptCapability);

    /// <summary>The UIDs SEARCH ... SAVE kept, for "$" (RFC 5182).</summary>
    public IReadOnlyList<long> SavedSearch { get; set; } = [];

    /// <summary>Whether passwords may be sent now: under TLS, or anywhere if configuration allows plaintext.</summary>
    public bool PasswordsAllowed => IsTls || Services.Security.AllowPlaintextAuth;

    public async Task RunAsync()
    {
        try
        {
            await _loop.RunAsync(ConverseAsync, Autologout, () => LogTimeout(Services.Logger, Id), reason => LogEnded(Services.Logger, Id, reason)).ConfigureAwait(false);
        }
        finally
        {
            Selected?.Dispose();
            Notify?.Dispose();
            if (User is not null)
            {
                Services.Connections.Release(User.Id);
            }
        }
    }

    /// <summary>How long the client may be silent now: short before sign-in (nobody is served yet), RFC 3501's 30 minutes after.</summary>
    public TimeSpan IdleTimeout => User is null ? TimeSpan.FromMinutes(Services.Options.PreAuthTimeoutMinutes) : TimeSpan.FromMinutes(Services.Options.IdleTimeoutMinutes);

    private async Task ConverseAsync()
    {
        WriteLine($"* OK [CAPABILITY {ImapCommands.Capabilities(this)}] {Services.HostName} IMAP4rev1 Appliance ready");
        await FlushAsync().ConfigureAwait(false);
        var lastHeard = DateTimeOffset.UtcNow;
        while (State != ImapState.Logout)
        {
            // With NOTIFY the wait for the next command also ends when there is something to tell (RFC 5465 §3); the
            // autologout still counts from what the client last sent.
            var wake = Notify is null ? null : BetweenCommandsWake();
            var left = wake is null ? IdleTimeout : IdleTimeout - (DateTimeOffset.UtcNow - lastHeard);
            var frame = left <= TimeSpan.Zero ? new ImapFrame(FrameKind.TimedOut, default, null)
                : await _reader.ReadAsync(_loop, ContinueLiteralAsync, left, authenticated: User is not null, wake).ConfigureAwait(false);
            if (frame.Kind == FrameKind.Woken)
            {
                await DeliverBetweenCommandsAsync().ConfigureAwait(false);
                await FlushAsync().ConfigureAwait(false);
                continue;
            }
            if (frame.Kind == FrameKind.TimedOut)
            {
                throw new SessionIdleException();
            }
            lastHeard = DateTimeOffset.UtcNow;
            bool more;
            await using (frame.Spool)
            {
                more = await HandleFrameAsync(frame).ConfigureAwait(false);
            }
            if (!more)
            {
                // A closing BYE may still be in the buffer.
                await FlushAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private async Task ContinueLiteralAsync()
    {
        WriteLine("+ Ready for literal data");
        await FlushAsync().ConfigureAwait(false);
    }

    /// <returns>False when the session must end.</returns>
    private async Task<bool> HandleFrameAsync(ImapFrame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.End:
                return false;
            case FrameKind.LineTooLong:
                WriteLine($"{frame.Tag ?? "*"} BAD Command line too long");
                await FlushAsync().ConfigureAwait(false);
                return CountBad();
            case FrameKind.LiteralTooLarge:
                WriteLine($"{frame.Tag ?? "*"} NO [TOOBIG] Literal too large (the limit is {(User is null ? Math.Min(ImapCommandReader.PreAuthLiteralLimit, Services.Options.MaxLiteralSize) : Services.Options.MaxLiteralSize)} octets)");
                await FlushAsync().ConfigureAwait(false);
                return true;
            case FrameKind.NonSyncLiteralTooLarge:
                WriteLine($"{frame.Tag ?? "*"} BAD [TOOBIG] Non-synchronizing literals are limited to {ImapCommandReader.LiteralMinusLimit} octets (LITERAL-)");
                await FlushAsync().ConfigureAwait(false);
                return CountBad();
            case FrameKind.FatalLiteralTooLarge:
                WriteLine("* BYE [TOOBIG] Literal too large; closing");
                await FlushAsync().ConfigureAwait(false);
                return false;
        }

        var parser = new ImapParser(frame.Bytes, frame.Spool) { Utf8Mailboxes = Utf8Names };
        string tag;
        try
        {
            tag = parser.ReadTag();
            parser.ReadSpace();
        }
        catch (ImapSyntaxException)
        {
            WriteLine("* BAD Missing tag or command");
            await FlushAsync().ConfigureAwait(false);
            return CountBad();
        }
        var ok = await RunCommandAsync(tag, parser).ConfigureAwait(false);
        // After STARTTLS's OK the handshake runs here, once the OK is on the wire.
        await FlushAsync().ConfigureAwait(false);
        return ok;
    }

    private bool CountBad()
    {
        if (++_badInARow < Services.Options.MaxBadCommands)
        {
            return true;
        }
        WriteLine("* BYE Too many invalid commands");
        return false;
    }

    private async Task<bool> RunCommandAsync(string tag, ImapParser parser)
    {
        string name;
        try
        {
            name = parser.ReadAtom();
        }
        catch (ImapSyntaxException)
        {
            WriteLine($"{tag} BAD Missing command");
            return CountBad();
        }
        var uid = false;
        if (name == "UID")
        {
            uid = true;
            try
            {
                parser.ReadSpace();
                name = parser.ReadAtom();
            }
            catch (ImapSyntaxException)
            {
                WriteLine($"{tag} BAD UID needs a command");
                return CountBad();
            }
            if (name is not ("FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "EXPUNGE" or "SORT" or "THREAD"))
            {
                WriteLine($"{tag} BAD UID {name} is not a command");
                return CountBad();
            }
        }
        var command = ImapCommands.Find(name);
        if (command is null)
        {
            WriteLine($"{tag} BAD Unknown command {Printable(name)}");
            return CountBad();
        }
        if (!command.AllowedIn.Contains(State))
        {
            WriteLine($"{tag} BAD {name} is not allowed {StateText(command)}");
            return CountBad();
        }
        try
        {
            await command.RunAsync(this, new ImapRequest(tag, name, uid, parser)).ConfigureAwait(false);
            _badInARow = 0;
        }
        catch (ImapSyntaxException e)
        {
            WriteLine($"{tag} BAD {e.Message}");
            return CountBad();
        }
        catch (ImapNoException e)
        {
            WriteLine(e.Code is null ? $"{tag} NO {e.Message}" : $"{tag} NO [{e.Code}] {e.Message}");
        }
        catch (MailboxException e)
        {
            WriteLine($"{tag} NO [{e.Code}] {e.Message}");
        }
        catch (StorageException e)
        {
            LogStorageFailed(Services.Logger, Id, e);
            WriteLine($"{tag} NO [SERVERBUG] The server could not complete the command; try again");
        }
        return State != ImapState.Logout;
    }

    /// <summary>
    /// Ends a command well: announces changes to the selected mailbox first (without EXPUNGE after
    /// FETCH, STORE and SEARCH by sequence number, RFC 3501 §7.4.1), then the tagged OK.
    /// </summary>
    public async Task OkAsync(ImapRequest request, string text)
    {
        ArgumentNullException.ThrowIfNull(request);
        var allowExpunge = request.Uid || request.Name is not ("FETCH" or "STORE" or "SEARCH" or "SORT" or "THREAD");
        await ReportChangesAsync(allowExpunge).ConfigureAwait(false);
        WriteLine($"{request.Tag} OK {text}");
    }

    /// <summary>A mailbox name as the client sent it, decoded from modified UTF-7 (RFC 3501 §5.1.3).</summary>
    public static string DecodeMailbox(string sent) => ImapParser.DecodeMailbox(sent);

    /// <summary>A mailbox name for a response outside a session's encoding: modified UTF-7, quoted.</summary>
    public static string EncodeMailbox(string name) => ImapString.Quote(ModifiedUtf7.Encode(name));

    /// <summary>
    /// A mailbox name for a response to this client: a UTF-8 quoted string once it enabled UTF8=ACCEPT or IMAP4rev2
    /// (RFC 6855 §3: no modified UTF-7 then), modified UTF-7 before.
    /// </summary>
    public string MailboxName(string name) => Utf8Names ? ImapString.QuoteUtf8(name) : EncodeMailbox(name);

    /// <summary>
    /// RFC 9051 §6.3.4–6: when the name a CREATE, DELETE or RENAME acted on differs from the one the client sent (this
    /// server spells INBOX in capitals, "inbox/Work" is "INBOX/Work"), an IMAP4rev2 client is told with a LIST response
    /// that carries the name it sent as OLDNAME (with \NonExistent after DELETE). A trailing separator is only a hint
    /// (RFC 3501 §6.3.3), no difference.
    /// </summary>
    public void AnnounceNormalized(string name, string asSent, string attributes = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(asSent);
        var sent = asSent.TrimEnd('/');
        if (Rev2 && !string.Equals(name.TrimEnd('/'), sent, StringComparison.Ordinal))
        {
            WriteLine($"* LIST ({attributes}) \"/\" {MailboxName(name.TrimEnd('/'))} (\"OLDNAME\" ({MailboxName(sent)}))");
        }
    }

    private string StateText(ImapCommand command) => State switch
    {
        ImapState.NotAuthenticated => "before logging in",
        _ when command.AllowedIn.SequenceEqual([ImapState.NotAuthenticated]) => "once logged in",
        ImapState.Authenticated => "without a selected mailbox",
        _ => "now",
    };

    private static string Printable(string text) => new([.. text.Where(c => c is > ' ' and < (char)127).Take(40)]);

    /// <summary>A failed LOGIN or AUTHENTICATE; true when the session must close.</summary>
    public bool CountAuthFailure() => ++_authFailures >= Services.Options.MaxAuthFailures;

    /// <summary>Signs the session in, within the per-user connection limit.</summary>
    public async Task SignedInAsync(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!Services.Connections.TryAcquire(user.Id, Services.Options.MaxConnectionsPerUser))
        {
            throw new ImapNoException("LIMIT", "Too many connections for this user");
        }
        User = user;
        State = ImapState.Authenticated;
        await Services.Store.EnsureDefaultsAsync(user.Id, Cancellation).ConfigureAwait(false);
    }

    public void Select(SelectedMailbox mailbox, string? shownName = null)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        Selected?.Dispose();
        mailbox.ShowsRecent = !Rev2;
        Selected = mailbox;
        SelectedName = shownName;
        State = ImapState.Selected;
    }

    public void Unselect()
    {
        Selected?.Dispose();
        Selected = null;
        SelectedName = null;
        State = ImapState.Authenticated;
    }

    /// <summary>NOTIFY SET: replaces what an earlier one asked for.</summary>
    public void StartNotifications(Notifications notifications)
    {
        Notify?.Dispose();
        Notify = notifications;
    }

    /// <summary>NOTIFY NONE, or the end after NOTIFICATIONOVERFLOW.</summary>
    public void StopNotifications()
    {
        Notify?.Dispose();
        Notify = null;
    }

    /// <summary>
    /// What ends IDLE's wait: a change to the selected mailbox, or something NOTIFY noted.
    /// </summary>
    public Task IdleWake()
    {
        var selected = Selected?.Changed;
        var notify = Notify?.Wake;
        return (selected, notify) switch
        {
            (null, null) => Task.Delay(Timeout.Infinite, Cancellation),
            (not null, null) => selected,
            (null, not null) => notify,
            _ => Task.WhenAny(selected, notify),
        };
    }

    // Between commands only what NOTIFY asked for is sent: the selected mailbox's changes when a selected group names
    // message events, anything else it noted.
    private Task BetweenCommandsWake()
    {
        var notify = Notify!;
        return Selected is { } selected && notify.SelectedGroup is { HasMessageEvents: true } ? Task.WhenAny(selected.Changed, notify.Wake) : notify.Wake;
    }

    /// <summary>
    /// RFC 5465 §5.1: with "selected" the selected mailbox's changes go out as they happen, EXPUNGE included; with
    /// "selected-delayed" EXPUNGE waits for a command that may carry it. Then what NOTIFY noted elsewhere.
    /// </summary>
    private async Task DeliverBetweenCommandsAsync()
    {
        if (Notify?.SelectedGroup is { HasMessageEvents: true } group && Selected is not null)
        {
            await ReportSelectedAsync(allowExpunge: group.Filter == NotifyFilter.Selected).ConfigureAwait(false);
        }
        if (Notify is { } notify)
        {
            await notify.DeliverAsync().ConfigureAwait(false);
        }
    }

    private async Task ReportSelectedAsync(bool allowExpunge)
    {
        var selected = Selected!;
        var added = await selected.RefreshAsync(this, allowExpunge).ConfigureAwait(false);
        // RFC 5465 §5.2: MessageNew's fetch-att are sent for each new message, with its UID.
        if (added.Count > 0 && Notify?.SelectedGroup is { FetchItems.Count: > 0 } group)
        {
            var items = group.FetchItems.Any(i => i.Attribute == FetchAttribute.Uid) ? group.FetchItems : [FetchItem.Uid, .. group.FetchItems];
            await Commands.FetchCommand.WriteAsync(this, items, added, changedSince: null, allowSeen: false).ConfigureAwait(false);
        }
    }

    public void WriteLine(string line)
    {
        Encoding.UTF8.GetBytes(line, _loop.Output);
        _loop.Output.Write("\r\n"u8);
    }

    public void Write(ReadOnlySpan<byte> bytes) => _loop.Output.Write(bytes);

    /// <summary>Encodes straight into the output pipe: a FETCH writes several strings per message, and each used to become its own byte array first.</summary>
    public void Write(string text) => Encoding.UTF8.GetBytes(text, _loop.Output);

    public async Task FlushAsync() => await _loop.FlushAsync().ConfigureAwait(false);

    /// <summary>STARTTLS: the handshake starts once the OK written before this is on the wire; what the client sent before seeing it is dropped.</summary>
    public void RequestTls() => _loop.RequestTls();

    /// <summary>COMPRESS=DEFLATE: everything after the OK flushed before this is compressed, both ways.</summary>
    public void StartCompression() => _loop.StartCompression();

    /// <summary>Sends what is buffered once it passes 256 KiB, so a FETCH of many bodies never holds them all in memory.</summary>
    public async Task FlushIfLargeAsync()
    {
        if (!_loop.Output.CanGetUnflushedBytes || _loop.Output.UnflushedBytes > 256 * 1024)
        {
            await FlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads one line from the client (AUTHENTICATE's responses); "" for an overlong one, null when the client has gone.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        var line = await _loop.ReadLineAsync(Services.Options.MaxLineLength, timeout).ConfigureAwait(false);
        return line.Status switch
        {
            LineStatus.Line => Encoding.UTF8.GetString(line.Bytes!),
            LineStatus.TooLong => "",
            _ => null,
        };
    }

    /// <summary>
    /// Waits for a line from the client or <paramref name="wake"/>, whichever comes first (IDLE); at most
    /// <paramref name="timeout"/>, then the loop's autologout. Line false: woken; Text null: the client has gone.
    /// </summary>
    public async Task<(bool Line, string? Text)> ReadLineOrWakeAsync(Task wake, TimeSpan timeout)
    {
        var line = await _loop.ReadLineAsync(Services.Options.MaxLineLength, timeout, wake).ConfigureAwait(false);
        return line.Status switch
        {
            LineStatus.Line => (true, Encoding.UTF8.GetString(line.Bytes!)),
            LineStatus.TooLong => (true, ""),
            LineStatus.Woken => (false, null),
            _ => (true, null),
        };
    }

    /// <summary>Announces what changed in the selected mailbox since the last look, and what NOTIFY noted.</summary>
    public async Task ReportChangesAsync(bool allowExpunge)
    {
        if (Selected is not null)
        {
            await ReportSelectedAsync(allowExpunge).ConfigureAwait(false);
        }
        if (Notify is { } notify)
        {
            await notify.DeliverAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "[{Session}] IMAP session timed out")]
    private static partial void LogTimeout(ILogger logger, string session);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Debug, Message = "[{Session}] IMAP session ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = 4503, Level = LogLevel.Error, Message = "[{Session}] IMAP command failed in storage")]
    private static partial void LogStorageFailed(ILogger logger, string session, Exception exception);
}
