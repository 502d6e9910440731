using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary>
/// A client of ClamAV's <c>clamd</c> over INSTREAM (clamd(8)), on TCP or a unix socket, one connection per message:
/// <code>
/// "zINSTREAM" NUL
/// *(chunk-length chunk)   ; chunk-length: 4 bytes, unsigned, big-endian (network order)
/// 00 00 00 00             ; a zero length ends the stream
/// </code>
/// answered "stream: OK" NUL, "stream: NAME FOUND" NUL or "… ERROR" NUL. clamd unpacks the MIME parts and the archives
/// inside within its own limits (clamd.conf MaxScanSize, MaxFileSize, MaxRecursion, MaxFiles; with
/// <c>AlertExceedsMax yes</c> a message past them is reported as Heuristics.Limits.Exceeded instead of passing unread).
/// It never throws for the daemon's faults. Whether to call it at all is the caller's (<see cref="ClamAvOptions.Enabled"/>).
/// </summary>
public sealed class ClamdClient(IOptions<ClamAvOptions> options, ILogger<ClamdClient>? logger = null)
{
    private const string Scanner = "clamd";
    private readonly ClamAvOptions _options = options.Value;
    private readonly ILogger _logger = logger ?? NullLogger<ClamdClient>.Instance;

    public ScannerEndpoint Endpoint => _options.SocketPath.Length > 0
        ? ScannerEndpoint.Unix(_options.SocketPath)
        : ScannerEndpoint.Tcp(_options.Address, _options.Port);

    /// <summary>Scans the message from the stream's position to its end (a seekable stream, such as the SMTP spool's).</summary>
    public async Task<VirusScanResult> ScanAsync(Stream message, CancellationToken cancellationToken = default)
    {
        var length = ScannerExchange.RemainingLength(message);
        if (length > _options.MaxStreamBytes)
        {
            return Failed(new ScanFailure(ScanFailureKind.TooLarge,
                string.Create(CultureInfo.InvariantCulture, $"not sent to clamd: {length} bytes, over Appliance:Filtering:ClamAV:MaxStreamBytes ({_options.MaxStreamBytes})")));
        }
        var (reply, failure, elapsed) = await ScannerExchange.RunAsync<ClamdReply>(Scanner, Endpoint, _options.Timeout, async (socket, replied, token) =>
        {
            await ScannerExchange.SendAllAsync(socket, "zINSTREAM\0"u8.ToArray(), token).ConfigureAwait(false);
            var framed = new byte[4 + (64 * 1024)];
            await ScannerExchange.CopyAsync(message, length, replied, async (block, t) =>
            {
                BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)block.Length);
                block.CopyTo(framed.AsMemory(4));
                await ScannerExchange.SendAllAsync(socket, framed.AsMemory(0, 4 + block.Length), t).ConfigureAwait(false);
            }, token).ConfigureAwait(false);
            if (!replied())
            {
                await ScannerExchange.SendAllAsync(socket, new byte[4], token).ConfigureAwait(false);
            }
        }, ClamdReply.TryParse, cancellationToken).ConfigureAwait(false);

        if (failure is not null)
        {
            return Failed(failure);
        }
        switch (reply!.Status)
        {
            case VirusScanStatus.Clean:
                ScanningLog.ClamdClean(_logger, Endpoint.ToString(), length, (long)elapsed.TotalMilliseconds);
                return VirusScanResult.Clean;
            case VirusScanStatus.Infected:
                ScanningLog.ClamdFound(_logger, Endpoint.ToString(), reply.VirusName!);
                return VirusScanResult.Infected(reply.VirusName!);
            default:
                return Failed(new ScanFailure(reply.IsSizeLimitExceeded ? ScanFailureKind.TooLarge : ScanFailureKind.ProtocolError,
                    $"clamd at {Endpoint} answered: {reply.Text}"));
        }
    }

    /// <summary>"zPING" NUL, answered "PONG" NUL.</summary>
    public async Task<ScannerHealth> PingAsync(CancellationToken cancellationToken = default)
    {
        var (_, failure, elapsed) = await ScannerExchange.RunAsync<string>(Scanner, Endpoint, _options.Timeout,
            (socket, _, token) => ScannerExchange.SendAllAsync(socket, "zPING\0"u8.ToArray(), token).AsTask(),
            ParsePong, cancellationToken).ConfigureAwait(false);
        return new ScannerHealth(elapsed, failure);
    }

    /// <summary>"zVERSION" NUL: "ClamAV 1.4.6/27000/Thu Dec  3 …" (engine/signature version/date), for the console.</summary>
    public async Task<(string? Version, ScanFailure? Failure)> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var (version, failure, _) = await ScannerExchange.RunAsync<string>(Scanner, Endpoint, _options.Timeout,
            (socket, _, token) => ScannerExchange.SendAllAsync(socket, "zVERSION\0"u8.ToArray(), token).AsTask(),
            ReadText, cancellationToken).ConfigureAwait(false);
        return (version, failure);
    }

    private VirusScanResult Failed(ScanFailure failure)
    {
        ScanningLog.ClamdFailed(_logger, Endpoint.ToString(), failure.Kind, failure.Detail);
        return VirusScanResult.Failed(failure);
    }

    private static ScannerReplyStatus ReadText(ReadOnlySpan<byte> input, bool endOfInput, out string? reply, out string? error)
    {
        var status = ClamdReply.TryReadText(input, endOfInput, out var text, out error);
        reply = status == ScannerReplyStatus.Complete ? text : null;
        return status;
    }

    private static ScannerReplyStatus ParsePong(ReadOnlySpan<byte> input, bool endOfInput, out string? reply, out string? error)
    {
        var status = ReadText(input, endOfInput, out reply, out error);
        if (status == ScannerReplyStatus.Complete && reply != "PONG")
        {
            error = $"PING answered '{reply}'";
            reply = null;
            return ScannerReplyStatus.Malformed;
        }
        return status;
    }
}
