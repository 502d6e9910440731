using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Appliance.Protocols;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Protocols;

/// <summary>
/// The session skeleton over in-memory pipes: how it frames what a client sends however the bytes are cut,
/// its idle timer and goodbye, and the TLS upgrade's handshake timeout. No sockets: the client's side is
/// the writer of one pipe, the server's replies the reader of another.
/// </summary>
public sealed class SessionLoopTests : IAsyncDisposable
{
    /// <summary>Long enough never to fire on a loaded machine; each test that wants the timer sets a short one.</summary>
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(30);

    /// <summary>A bound on each wait for something that must happen, so that a hang fails the test instead of the run.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly Pipe _client = new();
    private readonly Pipe _server = new();
    private readonly SessionLoop _loop;

    public SessionLoopTests() => _loop = new SessionLoop(new TestPipes(_client.Reader, _server.Writer), isTls: false, certificates: null, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _loop.DisposeAsync();
        await _client.Writer.CompleteAsync();
        await _server.Reader.CompleteAsync();
    }

    private async Task SendAsync(string text) => await _client.Writer.WriteAsync(Encoding.ASCII.GetBytes(text));

    private async Task<string?> LineAsync(int maxLength = 100)
    {
        var line = await _loop.ReadLineAsync(maxLength, Patient).AsTask().WaitAsync(Bound);
        return line.Status switch
        {
            LineStatus.Line => Encoding.ASCII.GetString(line.Bytes!),
            _ => $"<{line.Status}>",
        };
    }

    [Fact]
    public async Task Pipelined_commands_in_one_segment_are_read_one_by_one_without_waiting_for_more_bytes()
    {
        // One write, and the client keeps the connection open: each read after the first must come from what is buffered.
        await SendAsync("a1 NOOP\r\na2 NOOP\r\na3 LOGOUT\r\n");
        Assert.Equal("a1 NOOP", await LineAsync());
        Assert.Equal("a2 NOOP", await LineAsync());
        Assert.Equal("a3 LOGOUT", await LineAsync());
    }

    [Fact]
    public async Task A_batch_handler_sees_every_pipelined_line_in_one_read()
    {
        await SendAsync("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
        var lines = new List<string>();
        var splitter = new LineSplitter();
        var read = await _loop.ReadAsync(buffer =>
        {
            while (splitter.Next(ref buffer, 100, out var line) == LineReader.Result.Line)
            {
                lines.Add(Encoding.ASCII.GetString(line));
            }
            return ValueTask.FromResult(buffer);
        }, Patient).AsTask().WaitAsync(Bound);
        Assert.Equal(SessionRead.Read, read);
        Assert.Equal(["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA"], lines);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task A_line_split_across_segments_is_read_whole(int cut)
    {
        var text = "a1 NOOP\r\na2 X\r\n";
        await SendAsync(text[..cut]);
        var first = LineAsync();
        // The reader is waiting for the rest (or has taken the first line, when the cut is after it).
        await SendAsync(text[cut..]);
        Assert.Equal("a1 NOOP", await first);
        Assert.Equal("a2 X", await LineAsync());
    }

    [Fact]
    public async Task A_line_fed_one_byte_at_a_time_is_read_whole()
    {
        var reading = LineAsync();
        foreach (var b in "a1 CAPABILITY\r\n")
        {
            await SendAsync(b.ToString());
        }
        Assert.Equal("a1 CAPABILITY", await reading);
    }

    [Fact]
    public async Task An_overlong_line_is_dropped_as_it_streams_in_reported_once_and_the_next_line_is_read()
    {
        // The writer stalls once 4 KiB are unread, so a loop that buffered the whole 1 MiB line would never finish.
        var client = new Pipe(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048));
        await using var loop = new SessionLoop(new TestPipes(client.Reader, _server.Writer), isTls: false, certificates: null, CancellationToken.None);
        var feeding = Task.Run(async () =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('x', 1024));
            for (var i = 0; i < 1024; i++)
            {
                await client.Writer.WriteAsync(chunk);
            }
            await client.Writer.WriteAsync("\r\na2 NOOP\r\n"u8.ToArray());
        });
        var tooLong = await loop.ReadLineAsync(512, Patient).AsTask().WaitAsync(Bound);
        Assert.Equal(LineStatus.TooLong, tooLong.Status);
        var next = await loop.ReadLineAsync(512, Patient).AsTask().WaitAsync(Bound);
        Assert.Equal("a2 NOOP", Encoding.ASCII.GetString(next.Bytes!));
        await feeding.WaitAsync(Bound);
        await client.Writer.CompleteAsync();
    }

    [Fact]
    public async Task A_line_of_exactly_the_limit_is_accepted_and_one_more_octet_is_too_long()
    {
        await SendAsync(new string('a', 100) + "\r\n" + new string('b', 101) + "\r\nok\r\n");
        Assert.Equal(new string('a', 100), await LineAsync(100));
        Assert.Equal("<TooLong>", await LineAsync(100));
        Assert.Equal("ok", await LineAsync(100));
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_line_ends_the_read_and_its_partial_line_is_dropped()
    {
        await SendAsync("a1 NOOP\r\na2 NOO");
        await _client.Writer.CompleteAsync();
        Assert.Equal("a1 NOOP", await LineAsync());
        Assert.Equal("<Ended>", await LineAsync());
    }

    [Fact]
    public async Task A_batch_read_reports_the_end_with_the_partial_line_left_unconsumed()
    {
        await SendAsync("QUIT");
        await _client.Writer.CompleteAsync();
        long seen = -1;
        var read = await _loop.ReadAsync(buffer =>
        {
            seen = buffer.Length;
            return ValueTask.FromResult(buffer);
        }, Patient).AsTask().WaitAsync(Bound);
        Assert.Equal(SessionRead.Ended, read);
        Assert.Equal(4, seen);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(17)]
    public async Task A_literal_split_across_segments_is_read_exactly_and_what_follows_stays(int cut)
    {
        // The line, then 17 octets of literal (CRLF inside it is data), then the rest of the command.
        var literal = "Subject: x\r\n\r\nhi\r\n";
        Assert.Equal(18, literal.Length);
        await SendAsync("a1 APPEND INBOX {18}\r\n" + literal[..cut]);
        Assert.Equal("a1 APPEND INBOX {18}", await LineAsync());
        var data = new ArrayBufferWriter<byte>();
        var reading = _loop.ReadExactlyAsync(data, 18, Patient).AsTask();
        await SendAsync(literal[cut..] + " (\\Seen)\r\na2 NOOP\r\n");
        Assert.True(await reading.WaitAsync(Bound));
        Assert.Equal(literal, Encoding.ASCII.GetString(data.WrittenSpan));
        Assert.Equal(" (\\Seen)", await LineAsync());
        Assert.Equal("a2 NOOP", await LineAsync());
    }

    [Fact]
    public async Task A_literal_cut_short_by_a_vanishing_client_reports_it()
    {
        await SendAsync("abc");
        await _client.Writer.CompleteAsync();
        Assert.False(await _loop.ReadExactlyAsync(new ArrayBufferWriter<byte>(), 10, Patient).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task A_wake_ends_the_wait_for_a_line_and_a_line_sent_later_is_still_read()
    {
        var wake = new TaskCompletionSource();
        var reading = _loop.ReadLineAsync(100, Patient, wake.Task).AsTask();
        await SendAsync("DO");
        wake.SetResult();
        Assert.Equal(LineStatus.Woken, (await reading.WaitAsync(Bound)).Status);
        await SendAsync("NE\r\n");
        var line = await _loop.ReadLineAsync(100, Patient, new TaskCompletionSource().Task).AsTask().WaitAsync(Bound);
        Assert.Equal("DONE", Encoding.ASCII.GetString(line.Bytes!));
    }

    [Fact]
    public async Task The_idle_timer_writes_the_goodbye_and_ends_the_conversation()
    {
        var idle = 0;
        var ended = new List<string>();
        await _loop.RunAsync(async () =>
        {
            await _loop.ReadLineAsync(100, TimeSpan.FromMilliseconds(200));
            throw new InvalidOperationException("the read should have timed out");
        }, "* BYE Autologout; idle for too long\r\n"u8.ToArray(), () => idle++, ended.Add).WaitAsync(Bound);
        Assert.Equal(1, idle);
        Assert.Empty(ended);
        Assert.True(_server.Reader.TryRead(out var written));
        Assert.Equal("* BYE Autologout; idle for too long\r\n", Encoding.ASCII.GetString(written.Buffer));
    }

    [Fact]
    public async Task An_empty_goodbye_closes_without_a_word()
    {
        var idle = 0;
        await _loop.RunAsync(async () => await _loop.ReadAsync(b => ValueTask.FromResult(b), TimeSpan.FromMilliseconds(200)),
            ReadOnlyMemory<byte>.Empty, () => idle++, _ => { }).WaitAsync(Bound);
        Assert.Equal(1, idle);
        Assert.False(_server.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Lines_that_keep_coming_keep_the_idle_timer_off_and_silence_fires_it()
    {
        // Four lines 100 ms apart, each read with a 2 s timer: none fires; then silence, and it does.
        var feeding = Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await Task.Delay(100);
                await SendAsync($"a{i} NOOP\r\n");
            }
        });
        for (var i = 0; i < 4; i++)
        {
            var line = await _loop.ReadLineAsync(100, TimeSpan.FromSeconds(2)).AsTask().WaitAsync(Bound);
            Assert.Equal($"a{i} NOOP", Encoding.ASCII.GetString(line.Bytes!));
        }
        await feeding;
        await Assert.ThrowsAsync<SessionIdleException>(async () => await _loop.ReadLineAsync(100, TimeSpan.FromMilliseconds(200)).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Starttls_drops_what_the_client_pipelined_after_the_command_and_a_stalled_handshake_ends_after_the_timeout()
    {
        using var directory = new TempDirectory();
        using var certificates = new TlsCertificateStore(Options.Create(new TlsOptions { Directory = directory.Path, HandshakeTimeout = TimeSpan.FromSeconds(1) }));
        await using var loop = new SessionLoop(new TestPipes(_client.Reader, _server.Writer), isTls: false, certificates, CancellationToken.None);
        // RFC 3207 §6: "MAIL FROM" sent in the same segment as STARTTLS must not be read as a command, in clear or after.
        await SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n");
        var splitter = new LineSplitter();
        var lines = new List<string>();
        await loop.ReadAsync(buffer =>
        {
            if (splitter.Next(ref buffer, 100, out var line) == LineReader.Result.Line)
            {
                lines.Add(Encoding.ASCII.GetString(line));
                loop.Output.Write("220 2.0.0 Ready to start TLS\r\n"u8);
                loop.RequestTls();
            }
            return ValueTask.FromResult(buffer);
        }, Patient).AsTask().WaitAsync(Bound);
        Assert.Equal(["STARTTLS"], lines);
        var started = DateTime.UtcNow;
        // The client reads the 220 and then sends nothing: the handshake gives up after HandshakeTimeout.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await loop.FlushAsync().AsTask().WaitAsync(Bound));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        var reply = await _server.Reader.ReadAsync();
        Assert.StartsWith("220 2.0.0 Ready to start TLS\r\n", Encoding.ASCII.GetString(reply.Buffer), StringComparison.Ordinal);
        _server.Reader.AdvanceTo(reply.Buffer.End);
        Assert.False(loop.IsTls);
    }

    [Fact]
    public async Task Starttls_requested_after_the_line_was_consumed_still_drops_what_the_client_pipelined_behind_it()
    {
        // IMAP runs STARTTLS after its line has been read; the injected LOGIN is still buffered when the OK is flushed.
        using var directory = new TempDirectory();
        using var certificates = new TlsCertificateStore(Options.Create(new TlsOptions { Directory = directory.Path, HandshakeTimeout = TimeSpan.FromSeconds(1) }));
        await using var loop = new SessionLoop(new TestPipes(_client.Reader, _server.Writer), isTls: false, certificates, CancellationToken.None);
        await SendAsync("a1 STARTTLS\r\na2 LOGIN injected secret\r\n");
        var line = await loop.ReadLineAsync(100, Patient).AsTask().WaitAsync(Bound);
        Assert.Equal("a1 STARTTLS", Encoding.ASCII.GetString(line.Bytes!));
        loop.Output.Write("a1 OK Begin TLS negotiation now\r\n"u8);
        loop.RequestTls();
        // Had the LOGIN line reached the handshake it would fail at once as a malformed ClientHello; dropped, the
        // handshake waits for the client and gives up after the timeout.
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await loop.FlushAsync().AsTask().WaitAsync(Bound));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
    }
}
