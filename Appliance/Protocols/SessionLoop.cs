using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;

namespace Appliance.Protocols;

/// <summary>Takes what it can use from the start of <paramref name="buffer"/> and returns the rest, which stays for the next read.</summary>
public delegate ValueTask<ReadOnlySequence<byte>> SessionReadHandler(ReadOnlySequence<byte> buffer);

/// <summary>How one read of <see cref="SessionLoop"/> ended.</summary>
public enum SessionRead
{
    /// <summary>Bytes came and the handler saw them.</summary>
    Read,
    /// <summary>The wake task finished first (IMAP IDLE), or a stale wake-up: the handler saw what was buffered.</summary>
    Woken,
    /// <summary>The client closed its side; the handler saw whatever was left.</summary>
    Ended,
}

/// <summary>What <see cref="SessionLoop.ReadLineAsync"/> found.</summary>
public enum LineStatus
{
    Line,
    /// <summary>A line over the limit, skipped to its end so that the next line is read normally.</summary>
    TooLong,
    /// <summary>The wake task finished before a whole line came.</summary>
    Woken,
    /// <summary>The client has gone; a partial last line is dropped.</summary>
    Ended,
}

/// <param name="Bytes">The line without its CRLF, copied out of the pipe; null unless <see cref="LineStatus.Line"/>.</param>
public readonly record struct SessionLine(LineStatus Status, byte[]? Bytes);

/// <summary>The idle timer fired: the client sent nothing for as long as the protocol allows.</summary>
public sealed class SessionIdleException() : Exception("The client was idle for too long");

/// <summary>
/// The skeleton every line protocol's session runs on (SMTP, POP3, IMAP): the connection's pipes, the
/// read loop over them with <c>AdvanceTo(consumed, examined)</c> in one <c>finally</c>, the idle timer
/// and its goodbye, and the upgrade to TLS (STARTTLS, STLS) with <see cref="TlsOptions.HandshakeTimeout"/>.
/// The protocol keeps its grammar and state and calls in: <see cref="ReadAsync"/> for a batch it frames
/// itself (SMTP and POP3 answer pipelined lines from one buffer), <see cref="ReadLineAsync"/> and
/// <see cref="ReadExactlyAsync"/> for one line or literal at a time (IMAP).
/// (Kestrel's <c>Http1Connection</c> owns its read loop the same way.)
/// </summary>
public sealed class SessionLoop : IAsyncDisposable
{
    private readonly IDuplexPipe _transport;
    private readonly TlsCertificateStore? _certificates;
    private SslStream? _tls;
    private InflateReader? _inflate;
    private DeflateWriter? _deflate;
    // One per connection, so that IDLE woken in the middle of an overlong line goes on dropping it afterwards.
    private readonly LineSplitter _lines = new();

    /// <param name="certificates">The certificate and handshake timeout for STARTTLS; null where TLS is never offered (tests of framing).</param>
    public SessionLoop(IDuplexPipe transport, bool isTls, TlsCertificateStore? certificates, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _certificates = certificates;
        Input = transport.Input;
        Output = transport.Output;
        IsTls = isTls;
        Cancellation = cancellation;
    }

    public PipeReader Input { get; private set; }
    public PipeWriter Output { get; private set; }
    public bool IsTls { get; private set; }

    /// <summary>The connection's own token: cancelled when Kestrel closes it or the server stops.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Set by <see cref="RequestTls"/> until the handshake has run at the next <see cref="FlushAsync"/>.</summary>
    public bool TlsRequested { get; private set; }

    /// <summary>
    /// Runs a conversation and is its one catch site for the connection: when the idle timer fires it writes
    /// <paramref name="idleGoodbye"/> (empty: close without a word, as POP3's autologout does), then closes;
    /// a client that vanished or failed its TLS handshake ends the session quietly. Anything else is the
    /// protocol's to handle, or ends the connection, never the server (Kestrel catches it).
    /// </summary>
    public async Task RunAsync(Func<Task> conversation, ReadOnlyMemory<byte> idleGoodbye, Action onIdle, Action<string> onEnded)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(onIdle);
        ArgumentNullException.ThrowIfNull(onEnded);
        try
        {
            try
            {
                await conversation().ConfigureAwait(false);
            }
            catch (SessionIdleException)
            {
                if (!idleGoodbye.IsEmpty)
                {
                    await Output.WriteAsync(idleGoodbye, Cancellation).ConfigureAwait(false);
                }
                onIdle();
            }
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ConnectionResetException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            onEnded(e.Message);
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One read: waits for bytes (at most <paramref name="idleTimeout"/>, then <see cref="SessionIdleException"/>)
    /// and lets <paramref name="handler"/> take what it can. If it took nothing the rest is marked examined, so that
    /// the next read waits for more bytes; if it took some, the next read returns the rest at once. The buffer stays valid while the handler awaits, so a batch of pipelined lines can be
    /// answered one by one without copying them.
    /// </summary>
    /// <param name="wake">When it finishes first the read is cancelled and <see cref="SessionRead.Woken"/> returned (IMAP IDLE).</param>
    public async ValueTask<SessionRead> ReadAsync(SessionReadHandler handler, TimeSpan idleTimeout, Task? wake = null)
    {
        using var timer = StartIdleTimer(idleTimeout);
        return await ReadOnceAsync(handler, wake, timer?.Token ?? Cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one line, however many reads it takes; the idle timer runs over the whole line. An overlong line
    /// is dropped as it streams in (never buffered whole) and reported once its end has been read.
    /// </summary>
    public async ValueTask<SessionLine> ReadLineAsync(int maxLength, TimeSpan idleTimeout, Task? wake = null)
    {
        var lines = _lines;
        using var timer = StartIdleTimer(idleTimeout);
        SessionLine? found = null;
        ValueTask<ReadOnlySequence<byte>> Take(ReadOnlySequence<byte> buffer)
        {
            switch (lines.Next(ref buffer, maxLength, out var line))
            {
                case LineReader.Result.Line:
                    found = new SessionLine(LineStatus.Line, line.ToArray());
                    break;
                case LineReader.Result.TooLong:
                    found = new SessionLine(LineStatus.TooLong, null);
                    break;
            }
            return ValueTask.FromResult(buffer);
        }
        while (true)
        {
            var read = await ReadOnceAsync(Take, wake, timer?.Token ?? Cancellation).ConfigureAwait(false);
            if (found is { } line)
            {
                return line;
            }
            if (read == SessionRead.Ended)
            {
                return new SessionLine(LineStatus.Ended, null);
            }
            if (read == SessionRead.Woken && wake is { IsCompleted: true })
            {
                return new SessionLine(LineStatus.Woken, null);
            }
        }
    }

    /// <summary>Copies the next <paramref name="count"/> octets (an IMAP literal) to <paramref name="destination"/>; false when the client went first.</summary>
    public async ValueTask<bool> ReadExactlyAsync(IBufferWriter<byte> destination, long count, TimeSpan idleTimeout)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var timer = StartIdleTimer(idleTimeout);
        var remaining = count;
        ValueTask<ReadOnlySequence<byte>> Take(ReadOnlySequence<byte> buffer)
        {
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            foreach (var segment in take)
            {
                destination.Write(segment.Span);
            }
            remaining -= take.Length;
            return ValueTask.FromResult(buffer.Slice(take.End));
        }
        while (remaining > 0)
        {
            if (await ReadOnceAsync(Take, null, timer?.Token ?? Cancellation).ConfigureAwait(false) == SessionRead.Ended && remaining > 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Hands exactly <paramref name="count"/> octets to <paramref name="sink"/> as they arrive, without collecting them
    /// (IMAP's APPEND literals go to a spool file). False when the connection ended first.
    /// </summary>
    public async ValueTask<bool> ReadExactlyAsync(Func<ReadOnlyMemory<byte>, ValueTask> sink, long count, TimeSpan idleTimeout)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using var timer = StartIdleTimer(idleTimeout);
        var remaining = count;
        async ValueTask<ReadOnlySequence<byte>> Take(ReadOnlySequence<byte> buffer)
        {
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            foreach (var segment in take)
            {
                await sink(segment).ConfigureAwait(false);
            }
            remaining -= take.Length;
            return buffer.Slice(take.End);
        }
        while (remaining > 0)
        {
            if (await ReadOnceAsync(Take, null, timer?.Token ?? Cancellation).ConfigureAwait(false) == SessionRead.Ended && remaining > 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Null for an infinite timeout (tests of framing), so that no timer is made per read.</summary>
    private CancellationTokenSource? StartIdleTimer(TimeSpan idleTimeout)
    {
        if (idleTimeout == Timeout.InfiniteTimeSpan)
        {
            return null;
        }
        var timer = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timer.CancelAfter(idleTimeout);
        return timer;
    }

    private async ValueTask<SessionRead> ReadOnceAsync(SessionReadHandler handler, Task? wake, CancellationToken timer)
    {
        ReadResult result;
        try
        {
            if (wake is null)
            {
                result = await Input.ReadAsync(timer).ConfigureAwait(false);
            }
            else
            {
                var read = Input.ReadAsync(timer).AsTask();
                if (await Task.WhenAny(read, wake).ConfigureAwait(false) != read)
                {
                    // If bytes came meanwhile the read returns them anyway; a cancellation that lands after it
                    // completed marks the next read Woken, which callers without a finished wake task ignore.
                    Input.CancelPendingRead();
                }
                result = await read.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
        {
            throw new SessionIdleException();
        }
        return await TakeAsync(result, handler).ConfigureAwait(false);
    }

    /// <summary>The one place where the loop gives bytes back to the pipe.</summary>
    private async ValueTask<SessionRead> TakeAsync(ReadResult result, SessionReadHandler handler)
    {
        var buffer = result.Buffer;
        try
        {
            buffer = await handler(buffer).ConfigureAwait(false);
        }
        finally
        {
            if (TlsRequested)
            {
                // RFC 3207 §6 (and RFC 2595 §4 for POP3): what the client sent before the handshake is not trusted.
                buffer = buffer.Slice(buffer.End);
            }
            // Examined up to the end only when the handler could take nothing: then the next read waits for more
            // bytes. After progress the rest is read again at once (a literal after its line, the next command).
            var progress = buffer.Length < result.Buffer.Length;
            Input.AdvanceTo(buffer.Start, progress ? buffer.Start : buffer.End);
        }
        return result.IsCompleted ? SessionRead.Ended : result.IsCanceled ? SessionRead.Woken : SessionRead.Read;
    }

    /// <summary>
    /// The protocol has written its go-ahead for TLS; the handshake starts at the next <see cref="FlushAsync"/>,
    /// once that reply is on the wire. Whatever the client sent before seeing it is dropped (the STARTTLS
    /// command-injection defence of RFC 3207 §6): the rest of the read that carried the command, and whatever
    /// else is buffered when the go-ahead is flushed (IMAP runs a command after its line was consumed).
    /// </summary>
    public void RequestTls()
    {
        if (IsTls || _certificates is null || IsCompressed)
        {
            // TLS goes under compression, never over it (RFC 4978 §3): STARTTLS comes first.
            throw new InvalidOperationException("TLS is already active or not offered on this connection, or compression is on");
        }
        TlsRequested = true;
    }

    /// <summary>Sends what the protocol has written; then, if TLS was requested, runs the handshake.</summary>
    public async ValueTask FlushAsync()
    {
        if (TlsRequested && Input.TryRead(out var early))
        {
            // Sent before the client could see the go-ahead: dropped by TakeAsync, since TLS is requested.
            await TakeAsync(early, static buffer => ValueTask.FromResult(buffer)).ConfigureAwait(false);
        }
        await Output.FlushAsync(Cancellation).ConfigureAwait(false);
        if (TlsRequested)
        {
            TlsRequested = false;
            // A client that never finishes the handshake is dropped after the timeout: OperationCanceledException ends the session.
            var tls = await TlsUpgrade.StartAsync(_transport, _certificates!.Context, _certificates.HandshakeTimeout, Cancellation).ConfigureAwait(false);
            (_tls, Input, Output) = (tls.Stream, tls.Input, tls.Output);
            IsTls = true;
        }
    }

    /// <summary>Whether <see cref="StartCompression"/> has run: the connection carries raw deflate streams both ways.</summary>
    public bool IsCompressed => _inflate is not null;

    /// <summary>
    /// From now on reads are inflated and writes deflated (IMAP COMPRESS=DEFLATE, RFC 4978), above TLS if TLS is
    /// on. Call it once the go-ahead has been flushed: what the client sent after its command is already compressed.
    /// </summary>
    public void StartCompression()
    {
        if (IsCompressed || TlsRequested)
        {
            throw new InvalidOperationException("Compression is already active, or TLS is about to start");
        }
        _inflate = new InflateReader(Input, ZlibPool.Shared);
        _deflate = new DeflateWriter(Output, ZlibPool.Shared);
        (Input, Output) = (_inflate, _deflate);
    }

    public async ValueTask DisposeAsync()
    {
        // The zlib streams go back to the pool before the connection under them goes.
        _inflate?.Dispose();
        _deflate?.Dispose();
        if (_tls is not null)
        {
            await _tls.DisposeAsync().ConfigureAwait(false);
            _tls = null;
        }
    }
}
