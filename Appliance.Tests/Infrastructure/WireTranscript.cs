using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// What the raw line-protocol clients of the transcript tests (SMTP, POP3, ManageSieve) share: sending exactly the
/// bytes given, reading lines and octets through one buffer with a timeout (a silent server fails the test rather
/// than hanging it), the TLS handshake (any certificate: the host's is self-signed), and noticing a closed connection.
/// </summary>
public abstract class WireTranscript : IAsyncDisposable
{
    protected static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private readonly bool _strictLines;
    private readonly byte[] _buffer;
    private Stream _stream;
    private int _start;
    private int _end;

    /// <param name="strictLines">Every line from the server must end in CRLF; otherwise a bare LF ends one too.</param>
    protected WireTranscript(TcpClient client, int bufferSize, bool strictLines)
    {
        _client = client;
        _stream = client.GetStream();
        _buffer = new byte[bufferSize];
        _strictLines = strictLines;
    }

    protected static async Task<TcpClient> OpenAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return client;
    }

    public bool IsTls => _stream is SslStream;

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>True when bytes from the server wait in the buffer, or arrive before end of stream.</summary>
    protected async Task<bool> HasMoreAsync() => _start < _end || await FillAsync();

    /// <summary>The TLS handshake after the server's go-ahead, which must be the last thing it sent.</summary>
    protected async Task HandshakeAfterReplyAsync(string command)
    {
        Assert.True(_start == _end, $"the server sent bytes after its {command} reply, before the handshake");
        await TlsHandshakeAsync();
    }

    protected async Task TlsHandshakeAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mail.example.com" }, timeout.Token);
        _stream = tls;
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

    /// <summary>Drops the connection without a goodbye, as a client that vanished would.</summary>
    public void Abort()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    /// <summary>The next line without its end, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (_strictLines)
                {
                    Assert.True(length > 0 && _buffer[newline - 1] == (byte)'\r', "a line from the server did not end in CRLF");
                }
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

    /// <summary>Exactly <paramref name="count"/> octets, however the server split them.</summary>
    protected async Task<byte[]> ReadOctetsAsync(int count, string where)
    {
        var result = new byte[count];
        var have = 0;
        while (have < count)
        {
            if (_start == _end && !await FillAsync())
            {
                throw new Xunit.Sdk.XunitException($"closed inside {where}");
            }
            var take = Math.Min(count - have, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, have, take);
            _start += take;
            have += take;
        }
        return result;
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

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
        GC.SuppressFinalize(this);
    }
}
