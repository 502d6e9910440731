using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Protocols;

/// <summary>
/// The session skeleton as clients meet it on real sockets, on every listener that runs on it: a TLS
/// handshake that never comes is dropped after <c>Appliance:Listeners:TlsHandshakeTimeout</c> (after
/// SMTP STARTTLS, IMAP STARTTLS, POP3 STLS, and on the implicit-TLS ports), and IMAP's idle timer ends a
/// silent session with its autologout BYE. (SMTP's 421 and POP3's silent autologout are in their transcript tests.)
/// </summary>
public sealed class SessionLoopSocketTests : IAsyncLifetime
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(1);

    private RunningHost _host = null!;
    private readonly int _pop3 = FreePort.Get();
    private readonly int _pop3s = FreePort.Get();

    public async Task InitializeAsync() =>
        // The idle timers stay at their defaults (minutes), so a drop within seconds can only be the handshake timeout.
        _host = await RunningHost.StartWithImapAsync(
            $"--Appliance:Listeners:TlsHandshakeTimeout={HandshakeTimeout:c}",
            $"--Appliance:Listeners:Pop3={_pop3}", $"--Appliance:Listeners:Pop3s={_pop3s}");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>Each listener's plain port, what to say before the upgrade, and the go-ahead line to wait for.</summary>
    public static TheoryData<string> Upgrades => ["SMTP STARTTLS", "IMAP STARTTLS", "POP3 STLS"];

    [Theory]
    [MemberData(nameof(Upgrades))]
    public async Task A_client_that_never_starts_the_handshake_after_the_go_ahead_is_dropped_after_the_handshake_timeout(string upgrade)
    {
        var (port, commands, goAhead) = upgrade switch
        {
            "SMTP STARTTLS" => (_host.SmtpPort, new[] { "EHLO client.example", "STARTTLS" }, "220 2.0.0"),
            "IMAP STARTTLS" => (_host.ImapPort, new[] { "a1 STARTTLS" }, "a1 OK"),
            _ => (_pop3, new[] { "STLS" }, "+OK Begin TLS"),
        };
        await using var wire = await RawWire.ConnectAsync(port);
        await wire.ReadLineAsync(TimeSpan.FromSeconds(10)); // the greeting
        foreach (var command in commands)
        {
            await wire.SendAsync(command + "\r\n");
        }
        string line;
        do
        {
            line = await wire.ReadLineAsync(TimeSpan.FromSeconds(10));
        }
        while (!line.StartsWith(goAhead, StringComparison.Ordinal));
        var stopwatch = Stopwatch.StartNew();
        Assert.True(await wire.WaitClosedAsync(TimeSpan.FromSeconds(8)), $"{upgrade}: still open 8 s after the go-ahead");
        Assert.True(stopwatch.Elapsed >= HandshakeTimeout * 0.9, $"{upgrade}: dropped after {stopwatch.Elapsed}, before the handshake timeout");
    }

    [Theory]
    [InlineData("SMTPS")]
    [InlineData("IMAPS")]
    [InlineData("POP3S")]
    public async Task A_client_that_connects_to_an_implicit_tls_port_and_sends_nothing_is_dropped_after_the_handshake_timeout(string listener)
    {
        var port = listener switch
        {
            "SMTPS" => _host.SmtpsPort,
            "IMAPS" => _host.ImapsPort,
            _ => _pop3s,
        };
        var stopwatch = Stopwatch.StartNew();
        await using var wire = await RawWire.ConnectAsync(port);
        // Kestrel's own default is 10 s: closing within 8 s shows that the setting reached it.
        Assert.True(await wire.WaitClosedAsync(TimeSpan.FromSeconds(8)), $"{listener}: still open 8 s after connecting");
        Assert.True(stopwatch.Elapsed >= HandshakeTimeout * 0.9, $"{listener}: dropped after {stopwatch.Elapsed}, before the handshake timeout");
    }

    [Fact]
    public async Task A_silent_imap_client_gets_bye_autologout_when_the_idle_timer_fires_then_the_connection_closes()
    {
        // PreAuthTimeoutMinutes is 1, the smallest the option allows: this test waits a minute for the BYE.
        await using var wire = await RawWire.ConnectAsync(_host.ImapPort);
        Assert.StartsWith("* OK", await wire.ReadLineAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        var stopwatch = Stopwatch.StartNew();
        Assert.Equal("* BYE Autologout; idle for too long", await wire.ReadLineAsync(TimeSpan.FromSeconds(90)));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(50), $"BYE after {stopwatch.Elapsed}, before the one-minute timer");
        Assert.True(await wire.WaitClosedAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A plain TCP client that reads lines and notices the server closing, each with a bound.</summary>
    private sealed class RawWire : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly List<byte> _pending = [];

        private RawWire(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<RawWire> ConnectAsync(int port)
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync("127.0.0.1", port);
            return new RawWire(client);
        }

        public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));

        public async Task<string> ReadLineAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            var buffer = new byte[4096];
            while (true)
            {
                var end = _pending.IndexOf((byte)'\n');
                if (end >= 0)
                {
                    var line = Encoding.ASCII.GetString([.. _pending.Take(end)]).TrimEnd('\r');
                    _pending.RemoveRange(0, end + 1);
                    return line;
                }
                var read = await _stream.ReadAsync(buffer, cancel.Token);
                if (read == 0)
                {
                    throw new EndOfStreamException("the server closed before a whole line: " + Encoding.ASCII.GetString([.. _pending]));
                }
                _pending.AddRange(buffer.AsSpan(0, read));
            }
        }

        /// <summary>True when the server closes (end of stream or reset) within <paramref name="timeout"/>; false if it is still open then.</summary>
        public async Task<bool> WaitClosedAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            var buffer = new byte[4096];
            try
            {
                while (await _stream.ReadAsync(buffer, cancel.Token) > 0)
                {
                }
                return true;
            }
            catch (IOException)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public ValueTask DisposeAsync()
        {
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
