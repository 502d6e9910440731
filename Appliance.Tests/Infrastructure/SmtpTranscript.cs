using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Tests.Infrastructure;

/// <summary>One SMTP reply as read off the wire: the code, the RFC 3463 status of its last line, and its lines' text.</summary>
public sealed record WireReply(int Code, string? Enhanced, IReadOnlyList<string> Lines)
{
    public string Text => string.Join("\n", Lines);

    public override string ToString() => $"{Code} {Enhanced} {Text}";
}

/// <summary>
/// A raw SMTP client for transcript tests: sends exactly the bytes it is given (no CRLF added unless
/// asked) and reads replies line by line, with a timeout so that a silent server fails the test rather
/// than hanging it. TLS (STARTTLS or implicit) accepts any certificate: the host's is self-signed.
/// </summary>
public sealed partial class SmtpTranscript : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private SmtpTranscript(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
    }

    /// <summary>Connects; the greeting is left unread unless <paramref name="readGreeting"/>.</summary>
    public static async Task<SmtpTranscript> ConnectAsync(int port, bool implicitTls = false, bool readGreeting = true)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var transcript = new SmtpTranscript(client, client.GetStream());
        if (implicitTls)
        {
            await transcript.HandshakeAsync();
        }
        if (readGreeting)
        {
            await transcript.ExpectAsync(220);
        }
        return transcript;
    }

    public bool IsTls => _stream is SslStream;

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task SendLineAsync(string line) => SendAsync(line + "\r\n");

    /// <summary>Sends a command line and checks the reply.</summary>
    public async Task<WireReply> CommandAsync(string line, int code, string? enhanced = null)
    {
        await SendLineAsync(line);
        return await ExpectAsync(code, enhanced, line);
    }

    /// <summary>Reads one reply and checks its code and, when given, its enhanced status code.</summary>
    public async Task<WireReply> ExpectAsync(int code, string? enhanced = null, string? after = null)
    {
        var reply = await ReadReplyAsync();
        Assert.True(reply.Code == code && (enhanced is null || reply.Enhanced == enhanced),
            $"expected {code} {enhanced} {(after is null ? "" : "after '" + Shorten(after) + "'")}, got: {reply}");
        return reply;
    }

    /// <summary>Reads lines up to the last one of a reply (<c>code SP text</c>); fails on end of stream.</summary>
    public async Task<WireReply> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new Xunit.Sdk.XunitException($"the server closed the connection in the middle of a reply after [{string.Join(" | ", lines)}]");
            var match = ReplyLine().Match(line);
            Assert.True(match.Success, $"not a reply line: '{Shorten(line)}'");
            lines.Add(match.Groups["text"].Value);
            if (match.Groups["sep"].Value != "-")
            {
                var status = EnhancedStatus().Match(match.Groups["text"].Value);
                var enhanced = status.Success ? status.Groups[1].Value : null;
                var text = lines.Select(l => EnhancedStatus().Replace(l, "", 1)).ToList();
                return new WireReply(int.Parse(match.Groups["code"].Value, CultureInfo.InvariantCulture), enhanced, text);
            }
        }
    }

    /// <summary>True when the server has closed the connection: no more bytes, only end of stream.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            return await ReadLineAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Reads the whole rest of the stream until the server closes it.</summary>
    public async Task<List<WireReply>> ReadUntilClosedAsync()
    {
        var replies = new List<WireReply>();
        while (_start < _end || await FillAsync())
        {
            replies.Add(await ReadReplyAsync());
        }
        return replies;
    }

    /// <summary>Sends STARTTLS, expects 220 2.0.0 and does the handshake.</summary>
    public async Task StartTlsAsync()
    {
        await CommandAsync("STARTTLS", 220, "2.0.0");
        await StartTlsHandshakeOnlyAsync();
    }

    /// <summary>The handshake after a 220 to STARTTLS the test read itself.</summary>
    public async Task StartTlsHandshakeOnlyAsync()
    {
        Assert.True(_start == _end, "the server sent bytes after its STARTTLS reply, before the handshake");
        await HandshakeAsync();
    }

    private async Task HandshakeAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mail.example.com" }, timeout.Token);
        _stream = tls;
    }

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == (byte)'\r') length--;
                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }
            if (!await FillAsync())
            {
                Assert.True(_start == _end, $"the server closed the connection after a partial line: '{Encoding.UTF8.GetString(_buffer, _start, _end - _start)}'");
                return null;
            }
        }
    }

    private async Task<bool> FillAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        using var timeout = new CancellationTokenSource(ReadTimeout);
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"no reply from the server within {ReadTimeout.TotalSeconds} s");
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return false;
        }
        _end += read;
        return read > 0;
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }

    [GeneratedRegex(@"^(?<code>[2-5][0-9][0-9])(?<sep>[ -]|$)(?<text>.*)$", RegexOptions.Singleline)]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"^([245]\.[0-9]{1,3}\.[0-9]{1,3}) ?")]
    private static partial Regex EnhancedStatus();
}
