using System.Net.Sockets;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// A raw POP3 client for transcript tests: sends exactly the bytes it is given and reads status lines
/// and multi-line bodies, with a timeout so that a silent server fails the test rather than hanging it.
/// TLS (STLS or implicit) accepts any certificate: the host's is self-signed.
/// </summary>
public sealed class Pop3Transcript : WireTranscript
{
    private Pop3Transcript(TcpClient client)
        : base(client, 64 * 1024, strictLines: true)
    {
    }

    /// <summary>Connects and reads the +OK greeting unless told not to.</summary>
    public static async Task<Pop3Transcript> ConnectAsync(int port, bool implicitTls = false, bool readGreeting = true)
    {
        var transcript = new Pop3Transcript(await OpenAsync(port));
        if (implicitTls)
        {
            await transcript.TlsHandshakeAsync();
        }
        if (readGreeting)
        {
            await transcript.OkAsync(null);
        }
        return transcript;
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
            result.WriteByte((await ReadOctetsAsync(1, $"a body: {text}"))[0]);
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
        await HandshakeAfterReplyAsync("STLS");
    }

}
