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
public sealed partial class ManageSieveTranscript : WireTranscript
{
    private ManageSieveTranscript(TcpClient client)
        : base(client, 256 * 1024, strictLines: true)
    {
    }

    /// <summary>The capability lines of the greeting.</summary>
    public IReadOnlyList<string> Greeting { get; private set; } = [];

    public static async Task<ManageSieveTranscript> ConnectAsync(int port)
    {
        var transcript = new ManageSieveTranscript(await OpenAsync(port));
        var greeting = await transcript.ReadAnswerAsync();
        Assert.True(greeting.IsOk, $"greeting ended with {greeting.Status}");
        transcript.Greeting = greeting.Lines;
        return transcript;
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
        await HandshakeAfterReplyAsync("STARTTLS");
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
                var octets = await ReadOctetsAsync(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), "a literal");
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

}
