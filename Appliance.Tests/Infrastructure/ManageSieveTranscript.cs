using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Tests.Infrastructure;

/// <summary>One ManageSieve response: the lines before it (literals joined in as sent, CRLFs kept) and the OK/NO/BYE line.</summary>
public sealed record ManageSieveAnswer(IReadOnlyList<string> Lines, string Status)
{
    public bool IsOk => Status.StartsWith("OK", StringComparison.Ordinal);
}

/// <summary>
/// A raw ManageSieve client for transcript tests: sends exactly the bytes it is given and reads responses,
/// following server literals (<c>{n}</c>), with a timeout so that a silent server fails the test rather than hanging it.
/// TLS accepts any certificate: the host's is self-signed.
/// </summary>
public sealed partial class ManageSieveTranscript : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    private ManageSieveTranscript(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The capability lines of the greeting.</summary>
    public IReadOnlyList<string> Greeting { get; private set; } = [];

    public static async Task<ManageSieveTranscript> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var transcript = new ManageSieveTranscript(client);
        var greeting = await transcript.ReadAnswerAsync();
        Assert.True(greeting.IsOk, $"greeting ended with {greeting.Status}");
        transcript.Greeting = greeting.Lines;
        return transcript;
    }

    public bool IsTls => _stream is SslStream;

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command (CRLF added) and reads its response.</summary>
    public async Task<ManageSieveAnswer> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReadAnswerAsync();
    }

    public async Task<ManageSieveAnswer> OkAsync(string command)
    {
        var answer = await CommandAsync(command);
        Assert.True(answer.IsOk, $"expected OK after '{command}', got: {answer.Status}");
        return answer;
    }

    public async Task<string> NoAsync(string command)
    {
        var answer = await CommandAsync(command);
        Assert.True(answer.Status.StartsWith("NO", StringComparison.Ordinal), $"expected NO after '{command}', got: {answer.Status}");
        return answer.Status;
    }

    /// <summary>STARTTLS, the handshake, and the capabilities the server must send again (RFC 5804 §2.2).</summary>
    public async Task<IReadOnlyList<string>> StartTlsAsync()
    {
        await OkAsync("STARTTLS");
        return await HandshakeAsync();
    }

    /// <summary>The handshake after an OK to STARTTLS, then the capabilities and OK that follow it.</summary>
    public async Task<IReadOnlyList<string>> HandshakeAsync()
    {
        Assert.True(_start == _end, "the server sent bytes after its STARTTLS reply, before the handshake");
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mail.example.com" }, timeout.Token);
        _stream = tls;
        var again = await ReadAnswerAsync();
        Assert.True(again.IsOk, $"after the handshake: {again.Status}");
        return again.Lines;
    }

    public static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>Reads lines up to the response line; a line ending in <c>{n}</c> takes the next n octets and the line after them.</summary>
    public async Task<ManageSieveAnswer> ReadAnswerAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new Xunit.Sdk.XunitException($"the server closed the connection after: {string.Join(" | ", lines)}");
            while (LiteralAtEnd().Match(line) is { Success: true } m)
            {
                var octets = await ReadOctetsAsync(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                var rest = await ReadLineAsync() ?? throw new Xunit.Sdk.XunitException("closed after a literal");
                line = line + "\r\n" + Encoding.UTF8.GetString(octets) + rest;
                if (rest.Length == 0 || !LiteralAtEnd().IsMatch(rest))
                {
                    break;
                }
            }
            if (line.StartsWith("OK", StringComparison.Ordinal) || line.StartsWith("NO", StringComparison.Ordinal) || line.StartsWith("BYE", StringComparison.Ordinal))
            {
                return new ManageSieveAnswer(lines, line);
            }
            lines.Add(line);
        }
    }

    [GeneratedRegex(@"\{(\d+)\}$")]
    private static partial Regex LiteralAtEnd();

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

    private async Task<byte[]> ReadOctetsAsync(int count)
    {
        var result = new byte[count];
        var have = 0;
        while (have < count)
        {
            if (_start == _end && !await FillAsync())
            {
                throw new Xunit.Sdk.XunitException("closed inside a literal");
            }
            var take = Math.Min(count - have, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, have, take);
            _start += take;
            have += take;
        }
        return result;
    }

    public async Task<string?> ReadLineAsync()
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

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
