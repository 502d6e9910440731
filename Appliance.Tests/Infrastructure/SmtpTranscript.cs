using System.Globalization;
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
public sealed partial class SmtpTranscript : WireTranscript
{
    private SmtpTranscript(TcpClient client)
        : base(client, 64 * 1024, strictLines: false)
    {
    }

    /// <summary>Connects; the greeting is left unread unless <paramref name="readGreeting"/>.</summary>
    public static async Task<SmtpTranscript> ConnectAsync(int port, bool implicitTls = false, bool readGreeting = true)
    {
        var transcript = new SmtpTranscript(await OpenAsync(port));
        if (implicitTls)
        {
            await transcript.TlsHandshakeAsync();
        }
        if (readGreeting)
        {
            await transcript.ExpectAsync(220);
        }
        return transcript;
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

    /// <summary>Reads the whole rest of the stream until the server closes it.</summary>
    public async Task<List<WireReply>> ReadUntilClosedAsync()
    {
        var replies = new List<WireReply>();
        while (await HasMoreAsync())
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
        await HandshakeAfterReplyAsync("STARTTLS");
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;

    [GeneratedRegex(@"^(?<code>[2-5][0-9][0-9])(?<sep>[ -]|$)(?<text>.*)$", RegexOptions.Singleline)]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"^([245]\.[0-9]{1,3}\.[0-9]{1,3}) ?")]
    private static partial Regex EnhancedStatus();
}
