using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Filtering.Scanning;

/// <summary>Where a scanner listens: a TCP address and port, or a unix socket.</summary>
public sealed record ScannerEndpoint(string? Address, int Port, string? SocketPath)
{
    public static ScannerEndpoint Tcp(string address, int port) => new(address, port, null);

    public static ScannerEndpoint Unix(string path) => new(null, 0, path);

    public override string ToString() => SocketPath is not null
        ? "unix:" + SocketPath
        : string.Create(CultureInfo.InvariantCulture, $"{(Address!.Contains(':', StringComparison.Ordinal) ? $"[{Address}]" : Address)}:{Port}");

    internal async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        EndPoint target;
        if (SocketPath is not null)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            target = new UnixDomainSocketEndPoint(SocketPath);
        }
        else if (IPAddress.TryParse(Address, out var ip))
        {
            socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            target = new IPEndPoint(ip, Port);
        }
        else
        {
            // A host name (a container's "clamav"): the system's resolver, as any local service is found.
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            target = new DnsEndPoint(Address!, Port);
        }
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>Parses what a scanner has sent so far; <paramref name="endOfInput"/> once it has closed the connection.</summary>
internal delegate ScannerReplyStatus ReplyParser<T>(ReadOnlySpan<byte> input, bool endOfInput, out T? reply, out string? error);

/// <summary>
/// One request and its reply over a fresh connection, bounded by a timeout as a whole. The reply is read while the
/// request is still being sent, because a daemon may answer early and close: clamd refuses a stream over its
/// StreamMaxLength as soon as it is passed, and a write after that meets a reset. Connection and protocol faults come
/// back as a <see cref="ScanFailure"/>; only the caller's own cancellation is thrown.
/// </summary>
internal static class ScannerExchange
{
    /// <summary>
    /// Largest reply read. A REPORT with every rule of SpamAssassin's set is under 20 KB and clamd's answer is a line:
    /// anything bigger is not the daemon we expect.
    /// </summary>
    public const int MaxReplyBytes = 256 * 1024;

    /// <summary>Sends the request. <paramref name="replied"/> turns true once the reply is complete: stop sending then.</summary>
    public delegate Task SendRequest(Socket socket, Func<bool> replied, CancellationToken cancellationToken);

    public static async Task<(T? Reply, ScanFailure? Failure, TimeSpan Elapsed)> RunAsync<T>(
        string scanner, ScannerEndpoint endpoint, TimeSpan timeout, SendRequest send, ReplyParser<T> parse, CancellationToken cancellationToken)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        Socket socket;
        try
        {
            socket = await endpoint.ConnectAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, TimedOut(scanner, endpoint, timeout, "connecting"), clock.Elapsed);
        }
        catch (SocketException e)
        {
            return (null, new ScanFailure(ScanFailureKind.Down, $"{scanner} at {endpoint} is not reachable: {e.Message}"), clock.Elapsed);
        }
        using (socket)
        {
            var receive = ReceiveAsync(socket, parse, token);
            try
            {
                try
                {
                    await send(socket, () => receive.IsCompleted, token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // The daemon stopped reading (reset, broken pipe): its reply, if any, says why.
                }
                var (reply, status, error, bytes) = await receive.ConfigureAwait(false);
                return status switch
                {
                    ScannerReplyStatus.Complete => (reply, null, clock.Elapsed),
                    _ when bytes == 0 => (null, new ScanFailure(ScanFailureKind.Down, $"{scanner} at {endpoint} closed the connection without a reply{(error is null ? "" : ": " + error)}"), clock.Elapsed),
                    _ => (null, new ScanFailure(ScanFailureKind.ProtocolError, $"{scanner} at {endpoint}: {error}"), clock.Elapsed),
                };
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (null, TimedOut(scanner, endpoint, timeout, "waiting for its reply"), clock.Elapsed);
            }
            catch (SocketException e)
            {
                return (null, new ScanFailure(ScanFailureKind.Down, $"{scanner} at {endpoint} lost the connection: {e.Message}"), clock.Elapsed);
            }
            finally
            {
                // Ends a receive still waiting (the send failed for another reason) before the socket goes.
                await deadline.CancelAsync().ConfigureAwait(false);
                try
                {
                    await receive.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    // Already reported above, or nobody is waiting for it any more.
                }
            }
        }
    }

    private static ScanFailure TimedOut(string scanner, ScannerEndpoint endpoint, TimeSpan timeout, string doing) =>
        new(ScanFailureKind.Timeout, string.Create(CultureInfo.InvariantCulture, $"{scanner} at {endpoint} did not answer within {timeout.TotalSeconds:0.###} s ({doing})"));

    private static async Task<(T? Reply, ScannerReplyStatus Status, string? Error, int Bytes)> ReceiveAsync<T>(Socket socket, ReplyParser<T> parse, CancellationToken cancellationToken)
        where T : class
    {
        var buffer = new byte[4096];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxReplyBytes)
                {
                    return (null, ScannerReplyStatus.Malformed, $"reply longer than {MaxReplyBytes} bytes", filled);
                }
                Array.Resize(ref buffer, Math.Min(buffer.Length * 4, MaxReplyBytes));
            }
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            filled += read;
            var status = parse(buffer.AsSpan(0, filled), read == 0, out var reply, out var error);
            if (status != ScannerReplyStatus.Incomplete)
            {
                return (reply, status, error, filled);
            }
            if (read == 0)
            {
                return (null, ScannerReplyStatus.Malformed, "the reply was cut short", filled);
            }
        }
    }

    /// <summary>Sends the message's bytes as they are read, checking between blocks whether the daemon has already answered.</summary>
    public static async Task CopyAsync(Stream message, long length, Func<bool> replied, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sendBlock, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var left = length;
        while (left > 0 && !replied())
        {
            var read = await message.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidOperationException($"the message stream ended {left} bytes before its length");
            }
            await sendBlock(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            left -= read;
        }
    }

    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    /// <summary>What is left of a seekable message stream; scanners announce or check the length before sending.</summary>
    public static long RemainingLength(Stream message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.CanSeek)
        {
            throw new ArgumentException("the message stream must be seekable (the SMTP spool's is): its length is sent first", nameof(message));
        }
        return message.Length - message.Position;
    }
}
