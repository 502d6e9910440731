using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary>
/// A client of SpamAssassin's <c>spamd</c> over the spamc protocol (SPAMC/1.5, spamd/PROTOCOL), one connection per
/// message as spamc does:
/// <code>
/// REPORT SPAMC/1.5 CRLF
/// Content-length: n CRLF
/// [User: name CRLF]
/// CRLF
/// message (n bytes), then the write side is shut: spamd reads to the end before it scores
/// </code>
/// It never throws for the daemon's faults: the result is a verdict or a <see cref="ScanFailure"/>. Whether to call it
/// at all is the caller's (<see cref="SpamAssassinOptions.Enabled"/>).
/// </summary>
public sealed class SpamdClient(IOptions<SpamAssassinOptions> options, ILogger<SpamdClient>? logger = null)
{
    private const string Scanner = "spamd";
    private readonly SpamAssassinOptions _options = options.Value;
    private readonly ILogger _logger = logger ?? NullLogger<SpamdClient>.Instance;

    public ScannerEndpoint Endpoint => ScannerEndpoint.Tcp(_options.Address, _options.Port);

    /// <summary>
    /// Scores the message from the stream's position to its end (a seekable stream, such as the SMTP spool's).
    /// <paramref name="user"/> is sent as spamd's <c>User</c> header; null sends <see cref="SpamAssassinOptions.User"/>.
    /// </summary>
    public async Task<SpamCheckResult> CheckAsync(Stream message, string? user = null, CancellationToken cancellationToken = default)
    {
        var length = ScannerExchange.RemainingLength(message);
        if (length > _options.MaxMessageBytes)
        {
            return SpamCheckResult.Failed(new ScanFailure(ScanFailureKind.TooLarge,
                string.Create(CultureInfo.InvariantCulture, $"not sent to spamd: {length} bytes, over Appliance:Filtering:SpamAssassin:MaxMessageBytes ({_options.MaxMessageBytes})")));
        }
        user ??= _options.User;
        if (user.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException("a spamd user name has no spaces or control characters", nameof(user));
        }
        var command = _options.Command;
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{command.ToString().ToUpperInvariant()} SPAMC/1.5\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-length: {length}\r\n");
        if (user.Length > 0)
        {
            head.Append(CultureInfo.InvariantCulture, $"User: {user}\r\n");
        }
        var request = Encoding.UTF8.GetBytes(head.Append("\r\n").ToString());

        var (reply, failure, elapsed) = await ScannerExchange.RunAsync<SpamdReply>(Scanner, Endpoint, _options.Timeout, async (socket, replied, token) =>
        {
            await ScannerExchange.SendAllAsync(socket, request, token).ConfigureAwait(false);
            await ScannerExchange.CopyAsync(message, length, replied, (block, t) => ScannerExchange.SendAllAsync(socket, block, t), token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }, SpamdReply.TryParse, cancellationToken).ConfigureAwait(false);

        if (reply is { Code: not SpamdReply.ExOk })
        {
            failure = new ScanFailure(ScanFailureKind.ProtocolError, string.Create(CultureInfo.InvariantCulture, $"spamd at {Endpoint} answered {reply.Code}: {reply.Message}"));
        }
        if (failure is not null)
        {
            ScanningLog.SpamdFailed(_logger, Endpoint.ToString(), failure.Kind, failure.Detail);
            return SpamCheckResult.Failed(failure);
        }
        var symbols = command switch
        {
            SpamdCommand.Symbols => SpamdReply.ParseSymbols(reply!.Body),
            SpamdCommand.Report => SpamdReport.Parse(reply!.Body),
            _ => [],
        };
        var verdict = new SpamVerdict(reply!.IsSpam!.Value, reply.Score, reply.Threshold, symbols);
        ScanningLog.SpamdScored(_logger, Endpoint.ToString(), verdict.Score, verdict.Threshold, symbols.Count, (long)elapsed.TotalMilliseconds);
        return SpamCheckResult.Scored(verdict);
    }

    /// <summary>spamc's <c>-K</c>: "PING SPAMC/1.5", answered "SPAMD/1.5 0 PONG".</summary>
    public async Task<ScannerHealth> PingAsync(CancellationToken cancellationToken = default)
    {
        var request = "PING SPAMC/1.5\r\n\r\n"u8.ToArray();
        var (reply, failure, elapsed) = await ScannerExchange.RunAsync<string>(Scanner, Endpoint, _options.Timeout,
            (socket, _, token) => ScannerExchange.SendAllAsync(socket, request, token).AsTask(),
            ParsePong, cancellationToken).ConfigureAwait(false);
        return new ScannerHealth(elapsed, failure);
    }

    private static ScannerReplyStatus ParsePong(ReadOnlySpan<byte> input, bool endOfInput, out string? reply, out string? error)
    {
        reply = null;
        var status = SpamdReply.TryParseStatusLine(input, out _, out var code, out var message, out _, out error);
        if (status == ScannerReplyStatus.Incomplete && endOfInput)
        {
            error = "the reply to PING was cut short";
            return ScannerReplyStatus.Malformed;
        }
        if (status != ScannerReplyStatus.Complete)
        {
            return status;
        }
        if (code != SpamdReply.ExOk || message != "PONG")
        {
            error = string.Create(CultureInfo.InvariantCulture, $"PING answered {code} {message}");
            return ScannerReplyStatus.Malformed;
        }
        reply = message;
        return ScannerReplyStatus.Complete;
    }
}
