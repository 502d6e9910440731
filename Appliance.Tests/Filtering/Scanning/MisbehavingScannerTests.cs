using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Filtering.Scanning;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>
/// Servers that are not a working scanner: one that accepts and never answers (a hung daemon), one that answers
/// something else. Each gives its failure kind within the timeout, and the client never calls it a verdict.
/// </summary>
public sealed class MisbehavingScannerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(700);

    /// <summary>Accepts connections, reads what comes and answers <paramref name="answer"/> once the request is in (or never, for null).</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = [];
        private readonly Task _loop;

        public LoopbackServer(byte[]? answer)
        {
            _listener.Start();
            _loop = AcceptAsync(answer);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted { get; private set; }

        private async Task AcceptAsync(byte[]? answer)
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Accepted++;
                    _clients.Add(client);
                    if (answer is not null)
                    {
                        var stream = client.GetStream();
                        await ReadRequestAsync(stream);
                        await stream.WriteAsync(answer, _stop.Token);
                        client.Close();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped by the test.
            }
        }

        /// <summary>Reads until the client shuts its side (spamc) or pauses for 200 ms (clamd waits after its last chunk).</summary>
        private async Task ReadRequestAsync(NetworkStream stream)
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(TimeSpan.FromMilliseconds(200));
                try
                {
                    if (await stream.ReadAsync(buffer, idle.Token) == 0)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _listener.Stop();
            foreach (var client in _clients)
            {
                client.Dispose();
            }
            _stop.Dispose();
        }
    }

    private static SpamdClient Spamd(int port) => new(Options.Create(new SpamAssassinOptions { Port = port, Timeout = Timeout }));

    private static ClamdClient Clamd(int port) => new(Options.Create(new ClamAvOptions { Port = port, Timeout = Timeout }));

    private static void AssertWithinTimeout(Stopwatch clock)
    {
        Assert.True(clock.Elapsed >= Timeout - TimeSpan.FromMilliseconds(50), $"gave up after {clock.Elapsed}, before the timeout");
        Assert.True(clock.Elapsed < Timeout + TimeSpan.FromSeconds(3), $"took {clock.Elapsed} for a timeout of {Timeout}");
    }

    [Fact]
    public async Task A_spamd_that_never_answers_gives_timeout_within_the_option()
    {
        await using var server = new LoopbackServer(answer: null);
        var clock = Stopwatch.StartNew();

        var result = await Spamd(server.Port).CheckAsync(new MemoryStream(ScanMessages.Gtube()));

        AssertWithinTimeout(clock);
        Assert.False(result.IsScored);
        Assert.Equal(ScanFailureKind.Timeout, result.Failure.Kind);
        Assert.True(result.Failure.IsTemporary);
        Assert.Equal(1, server.Accepted);
    }

    [Fact]
    public async Task A_clamd_that_never_answers_gives_timeout_within_the_option()
    {
        await using var server = new LoopbackServer(answer: null);
        var clock = Stopwatch.StartNew();

        var result = await Clamd(server.Port).ScanAsync(new MemoryStream(ScanMessages.Plain()));

        AssertWithinTimeout(clock);
        Assert.Equal(VirusScanStatus.Failed, result.Status);
        Assert.Equal(ScanFailureKind.Timeout, result.Failure!.Kind);
    }

    [Fact]
    public async Task A_clamd_that_stops_reading_a_large_message_gives_timeout_within_the_option()
    {
        // 20 MB outgrow the socket buffers: the send itself must give up at the deadline.
        await using var server = new LoopbackServer(answer: null);
        var clock = Stopwatch.StartNew();

        var result = await Clamd(server.Port).ScanAsync(new MemoryStream(new byte[20 << 20]));

        AssertWithinTimeout(clock);
        Assert.Equal(ScanFailureKind.Timeout, result.Failure?.Kind);
    }

    [Fact]
    public async Task Health_checks_of_hung_scanners_give_timeout()
    {
        await using var server = new LoopbackServer(answer: null);

        var spamd = await Spamd(server.Port).PingAsync();
        var clamd = await Clamd(server.Port).PingAsync();

        Assert.Equal(ScanFailureKind.Timeout, spamd.Failure?.Kind);
        Assert.Equal(ScanFailureKind.Timeout, clamd.Failure?.Kind);
        Assert.True(spamd.RoundTrip < Timeout + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_server_that_speaks_something_else_gives_protocol_error()
    {
        await using var server = new LoopbackServer(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));

        var spamd = await Spamd(server.Port).CheckAsync(new MemoryStream(ScanMessages.Gtube()));
        var clamd = await Clamd(server.Port).ScanAsync(new MemoryStream(ScanMessages.Plain()));
        var ping = await Spamd(server.Port).PingAsync();

        Assert.Equal(ScanFailureKind.ProtocolError, spamd.Failure?.Kind);
        Assert.Contains("HTTP/1.1 400", spamd.Failure!.Detail, StringComparison.Ordinal);
        Assert.Equal(ScanFailureKind.ProtocolError, clamd.Failure?.Kind);
        Assert.Equal(ScanFailureKind.ProtocolError, ping.Failure?.Kind);
    }

    [Fact]
    public async Task A_spamd_error_reply_gives_protocol_error_with_its_words()
    {
        await using var server = new LoopbackServer("SPAMD/1.0 75 EX_TEMPFAIL Try again later\r\n"u8.ToArray());

        var result = await Spamd(server.Port).CheckAsync(new MemoryStream(ScanMessages.Plain()));

        Assert.Equal(ScanFailureKind.ProtocolError, result.Failure?.Kind);
        Assert.Contains("75", result.Failure!.Detail, StringComparison.Ordinal);
        Assert.Contains("Try again later", result.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_closes_without_a_word_gives_down()
    {
        await using var server = new LoopbackServer([]);

        var spamd = await Spamd(server.Port).CheckAsync(new MemoryStream(ScanMessages.Plain()));
        var clamd = await Clamd(server.Port).ScanAsync(new MemoryStream(ScanMessages.Plain()));

        Assert.Equal(ScanFailureKind.Down, spamd.Failure?.Kind);
        Assert.Equal(ScanFailureKind.Down, clamd.Failure?.Kind);
    }

    [Fact]
    public async Task A_port_where_nothing_listens_gives_down_at_once()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var clock = Stopwatch.StartNew();

        var spamd = await Spamd(port).CheckAsync(new MemoryStream(ScanMessages.Plain()));
        var clamd = await Clamd(port).ScanAsync(new MemoryStream(ScanMessages.Plain()));

        Assert.Equal(ScanFailureKind.Down, spamd.Failure?.Kind);
        Assert.Equal(ScanFailureKind.Down, clamd.Failure?.Kind);
        Assert.True(clock.Elapsed < Timeout, $"a refused connection took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_callers_cancellation_is_thrown_not_reported_as_a_timeout()
    {
        await using var server = new LoopbackServer(answer: null);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var client = new SpamdClient(Options.Create(new SpamAssassinOptions { Port = server.Port, Timeout = TimeSpan.FromSeconds(30) }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CheckAsync(new MemoryStream(ScanMessages.Plain()), cancellationToken: cancel.Token));
    }
}
