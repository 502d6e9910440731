using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// A raw POP3 client for transcript tests: sends exactly the bytes it is given and reads status lines
/// and multi-line bodies, with a timeout so that a silent server fails the test rather than hanging it.
/// TLS (STLS or implicit) accepts any certificate: the host's is self-signed.
/// </summary>
public sealed class Pop3Transcript : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private Pop3Transcript(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
    }

    /// <summary>Connects and reads the +OK greeting unless told not to.</summary>
    public static async Task<Pop3Transcript> ConnectAsync(int port, bool implicitTls = false, bool readGreeting = true)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var transcript = new Pop3Transcript(client, client.GetStream());
        if (implicitTls)
        {
            await transcript.HandshakeAsync();
        }
        if (readGreeting)
        {
            await transcript.OkAsync(null);
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

    /// <summary>Sends a command (CRLF added) and returns the status line, which must start with +OK.</summary>
    public async Task<string> OkAsync(string? command)
    {
        if (command is not null) await SendAsync(command + "\r\n");
        var line = await ReadStatusAsync();
        Assert.True(line.StartsWith("+OK", StringComparison.Ordinal), $"expected +OK after '{command}', got: {line}");
        return line;
    }

    /// <summary>Sends a command (CRLF added) and returns the status line, which must start with -ERR.</summary>
    public async Task<string> ErrAsync(string? command)
    {
        if (command is not null) await SendAsync(command + "\r\n");
        var line = await ReadStatusAsync();
        Assert.True(line.StartsWith("-ERR", StringComparison.Ordinal), $"expected -ERR after '{command}', got: {line}");
        return line;
    }

    /// <summary>Sends a command expecting a multi-line answer; returns its lines as sent (still byte-stuffed).</summary>
    public async Task<List<string>> MultilineAsync(string command)
    {
        await OkAsync(command);
        return await ReadBodyAsync();
    }

    /// <summary>The lines up to the lone ".", as sent (still byte-stuffed).</summary>
    public async Task<List<string>> ReadBodyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new Xunit.Sdk.XunitException($"the server closed the connection inside a multi-line answer after {lines.Count} lines");
            if (line == ".") return lines;
            lines.Add(line);
        }
    }

    /// <summary>The raw bytes of a multi-line body, terminator included, for byte-exact checks.</summary>
    public async Task<byte[]> ReadRawBodyAsync()
    {
        var result = new MemoryStream();
        while (true)
        {
            var text = Encoding.Latin1.GetString(result.GetBuffer(), 0, (int)result.Length);
            if (text == ".\r\n" || text.EndsWith("\r\n.\r\n", StringComparison.Ordinal)) return result.ToArray();
            if (_start == _end && !await FillAsync())
            {
                throw new Xunit.Sdk.XunitException($"closed inside a body: {text}");
            }
            result.WriteByte(_buffer[_start++]);
        }
    }

    public async Task<string> ReadStatusAsync() =>
        await ReadLineAsync() ?? throw new Xunit.Sdk.XunitException("the server closed the connection instead of answering");

    /// <summary>Sends a command and returns its status line, whatever it is.</summary>
    public async Task<string> ReadStatusAfterAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReadStatusAsync();
    }

    public async Task StartTlsAsync()
    {
        await OkAsync("STLS");
        await StartTlsHandshakeAfterOkAsync();
    }

    /// <summary>The handshake after a +OK to STLS the test read itself.</summary>
    public async Task StartTlsHandshakeAfterOkAsync()
    {
        Assert.True(_start == _end, "the server sent bytes after its STLS reply, before the handshake");
        await HandshakeAsync();
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
                Assert.True(newline > _start && _buffer[newline - 1] == (byte)'\r', "a line from the server did not end in CRLF");
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - 1 - _start);
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

    /// <summary>Drops the connection without QUIT, as a client that vanished would.</summary>
    public void Abort()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
