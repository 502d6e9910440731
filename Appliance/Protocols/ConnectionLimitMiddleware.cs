using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Appliance.Protocols;

/// <summary>Set on a connection that the limits refused; the refusal is written after TLS, where the client can read it.</summary>
public sealed record RefusedConnectionFeature(ConnectionRefusal Reason);

/// <summary>
/// Kestrel connection middleware for <see cref="ConnectionLimiter"/>. Two halves, because on an implicit-TLS
/// port (465, 993, 995, 443) a refusal written before the handshake is noise to the client:
/// <see cref="UseConnectionLimit"/> goes first, before <c>UseHttps</c>, and counts the descriptor;
/// <see cref="UseRefusal"/> goes last, before the protocol, and answers a refused connection in its protocol.
/// </summary>
public static class ConnectionLimitMiddleware
{
    /// <summary>How long a refused client gets to take its refusal (and, on HTTP, to send its request head).</summary>
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(5);

    public static IConnectionBuilder UseConnectionLimit(this IConnectionBuilder builder, string listener, ConnectionLimiter limiter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(limiter);
        limiter.Register(listener);
        return builder.Use(next => async connection =>
        {
            var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
            var refusal = limiter.TryAcquire(listener, address);
            if (refusal == ConnectionRefusal.None)
            {
                try
                {
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    limiter.Release(listener, address);
                }
                return;
            }
            if (!limiter.TryBeginRefusal(listener))
            {
                // Too many refusals at once already: keep the descriptors for the clients being served.
                connection.Abort(new ConnectionAbortedException("connection limit reached"));
                return;
            }
            try
            {
                connection.Features.Set(new RefusedConnectionFeature(refusal));
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                limiter.EndRefusal();
            }
        });
    }

    /// <summary>Answers a refused connection with <paramref name="refuse"/> instead of running the protocol.</summary>
    public static IConnectionBuilder UseRefusal(this IConnectionBuilder builder, Func<ConnectionContext, CancellationToken, Task> refuse)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(refuse);
        return builder.Use(next => async connection =>
        {
            if (connection.Features.Get<RefusedConnectionFeature>() is null)
            {
                await next(connection).ConfigureAwait(false);
                return;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
            timeout.CancelAfter(RefusalTimeout);
            try
            {
                await refuse(connection, timeout.Token).ConfigureAwait(false);
                await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException or ConnectionAbortedException)
            {
                // The client left, or would not take its refusal in time: nothing more is owed to it.
                connection.Abort();
            }
        });
    }

    /// <summary>A server-speaks-first protocol's refusal: one line instead of the greeting (SMTP 421, IMAP BYE, POP3 -ERR).</summary>
    public static Func<ConnectionContext, CancellationToken, Task> Line(ReadOnlyMemory<byte> line) => async (connection, cancellationToken) =>
        await connection.Transport.Output.WriteAsync(line, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// HTTP's refusal: 503 with Retry-After, after reading the request head (up to 8 KiB), since closing a
    /// socket with unread bytes sends a reset that can destroy the answer before the client reads it. An HTTP/2
    /// client (ALPN h2) cannot read an HTTP/1.1 answer; it is closed and retries as it would after any reset.
    /// </summary>
    public static async Task Http(ConnectionContext connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true)
        {
            connection.Abort();
            return;
        }
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var done = result.IsCompleted || buffer.Length >= 8192 || EndsHead(buffer);
            input.AdvanceTo(done ? buffer.End : buffer.Start, buffer.End);
            if (done)
            {
                break;
            }
        }
        await connection.Transport.Output.WriteAsync(HttpRefusal, cancellationToken).ConfigureAwait(false);
    }

    private static bool EndsHead(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: false);
    }

    private const string HttpRefusalBody = "The server is busy; please try again shortly.\r\n";

    private static readonly byte[] HttpRefusal = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 10\r\nConnection: close\r\n" +
        $"Content-Length: {HttpRefusalBody.Length}\r\n\r\n{HttpRefusalBody}");
}
