using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Appliance.Filtering.Scanning;

/// <summary>
/// A reply of spamd (SpamAssassin's spamd/PROTOCOL, "SPAMD/1.1"):
/// <code>
/// response    = status-line *header CRLF [body]
/// status-line = "SPAMD/" version SP code SP message CRLF
/// spam-header = "Spam:" SP ("True" / "False") " ; " score " / " threshold CRLF
/// </code>
/// An error (code other than 0, EX_OK) is the status line alone, and so is the answer to PING.
/// </summary>
public sealed record SpamdReply(string Version, int Code, string Message, bool? IsSpam, double Score, double Threshold, byte[] Body)
{
    /// <summary>sysexits.h EX_OK: every other code is an error (76 EX_PROTOCOL for a bad request, 75 EX_TEMPFAIL, …).</summary>
    public const int ExOk = 0;

    private static ReadOnlySpan<byte> Prefix => "SPAMD/"u8;

    /// <summary>
    /// Parses a reply to CHECK, SYMBOLS or REPORT. <paramref name="endOfInput"/> says spamd has closed the connection,
    /// so that a reply without Content-length ends there.
    /// </summary>
    public static ScannerReplyStatus TryParse(ReadOnlySpan<byte> input, bool endOfInput, out SpamdReply? reply, out string? error)
    {
        reply = null;
        var status = TryParseStatusLine(input, out var version, out var code, out var message, out var consumed, out error);
        if (status != ScannerReplyStatus.Complete)
        {
            return status;
        }
        if (code != ExOk)
        {
            reply = new SpamdReply(version, code, message, null, 0, 0, []);
            return ScannerReplyStatus.Complete;
        }
        var rest = input[consumed..];
        bool? isSpam = null;
        double score = 0, threshold = 0;
        int? contentLength = null;
        while (true)
        {
            var lineEnd = rest.IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                return Unfinished(endOfInput, "the reply ends inside its headers", out error);
            }
            var line = TrimCr(rest[..lineEnd]);
            rest = rest[(lineEnd + 1)..];
            if (line.IsEmpty)
            {
                break;
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                error = $"header line without a name: '{Printable(line)}'";
                return ScannerReplyStatus.Malformed;
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Spam"u8))
            {
                if (!TryParseSpamHeader(value, out var spam, out score, out threshold))
                {
                    error = $"Spam header not 'True ; score / threshold': '{Printable(value)}'";
                    return ScannerReplyStatus.Malformed;
                }
                isSpam = spam;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out int length, out var used) || used != value.Length || length < 0)
                {
                    error = $"Content-length not a number: '{Printable(value)}'";
                    return ScannerReplyStatus.Malformed;
                }
                contentLength = length;
            }
            // Other headers (DidSet, DidRemove, Compress, X-Spam-*) carry nothing a check needs.
        }
        if (isSpam is null)
        {
            error = "no Spam header in a successful reply";
            return ScannerReplyStatus.Malformed;
        }
        byte[] body;
        if (contentLength is { } expected)
        {
            if (rest.Length < expected)
            {
                return Unfinished(endOfInput, $"the body has {rest.Length} of its {expected} bytes", out error);
            }
            body = rest[..expected].ToArray();
        }
        else if (endOfInput || rest.IsEmpty)
        {
            // CHECK has no body and no Content-length: the blank line ends it.
            body = rest.ToArray();
        }
        else
        {
            return ScannerReplyStatus.Incomplete;
        }
        reply = new SpamdReply(version, code, message, isSpam, score, threshold, body);
        error = null;
        return ScannerReplyStatus.Complete;
    }

    /// <summary><c>status-line = "SPAMD/" version SP code SP message CRLF</c>; the whole answer to PING ("SPAMD/1.5 0 PONG").</summary>
    public static ScannerReplyStatus TryParseStatusLine(ReadOnlySpan<byte> input, out string version, out int code, out string message, out int consumed, out string? error)
    {
        version = message = "";
        code = -1;
        consumed = 0;
        error = null;
        var known = Math.Min(input.Length, Prefix.Length);
        if (!input[..known].SequenceEqual(Prefix[..known]))
        {
            error = $"not a spamd reply: '{Printable(input[..Math.Min(input.Length, 80)])}'";
            return ScannerReplyStatus.Malformed;
        }
        var lineEnd = input.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return ScannerReplyStatus.Incomplete;
        }
        var line = TrimCr(input[Prefix.Length..lineEnd]);
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || !IsVersion(line[..space]))
        {
            error = $"no protocol version in '{Printable(line)}'";
            return ScannerReplyStatus.Malformed;
        }
        version = Encoding.ASCII.GetString(line[..space]);
        line = line[(space + 1)..];
        space = line.IndexOf((byte)' ');
        var codeText = space < 0 ? line : line[..space];
        if (!Utf8Parser.TryParse(codeText, out code, out var used) || used != codeText.Length || code < 0)
        {
            error = $"no status code in '{Printable(line)}'";
            return ScannerReplyStatus.Malformed;
        }
        message = space < 0 ? "" : Printable(line[(space + 1)..]);
        consumed = lineEnd + 1;
        return ScannerReplyStatus.Complete;
    }

    /// <summary>The SYMBOLS body: rule names separated by commas ("GTUBE,MISSING_DATE").</summary>
    public static IReadOnlyList<SpamSymbol> ParseSymbols(ReadOnlySpan<byte> body)
    {
        var symbols = new List<SpamSymbol>();
        foreach (var range in body.Split((byte)','))
        {
            var name = body[range].Trim(" \t\r\n"u8);
            if (!name.IsEmpty)
            {
                symbols.Add(new SpamSymbol(Encoding.ASCII.GetString(name)));
            }
        }
        return symbols;
    }

    /// <summary><c>("True" / "False" / "Yes" / "No") *SP ";" *SP score *SP "/" *SP threshold</c>.</summary>
    private static bool TryParseSpamHeader(ReadOnlySpan<byte> value, out bool isSpam, out double score, out double threshold)
    {
        isSpam = false;
        score = threshold = 0;
        var semicolon = value.IndexOf((byte)';');
        if (semicolon < 0)
        {
            return false;
        }
        var flag = value[..semicolon].Trim((byte)' ');
        if (Ascii.EqualsIgnoreCase(flag, "True"u8) || Ascii.EqualsIgnoreCase(flag, "Yes"u8))
        {
            isSpam = true;
        }
        else if (!Ascii.EqualsIgnoreCase(flag, "False"u8) && !Ascii.EqualsIgnoreCase(flag, "No"u8))
        {
            return false;
        }
        var numbers = value[(semicolon + 1)..];
        var slash = numbers.IndexOf((byte)'/');
        return slash >= 0
            && TryParseNumber(numbers[..slash].Trim((byte)' '), out score)
            && TryParseNumber(numbers[(slash + 1)..].Trim((byte)' '), out threshold);
    }

    internal static bool TryParseNumber(ReadOnlySpan<byte> text, out double value) =>
        Utf8Parser.TryParse(text, out value, out var used) && used == text.Length && text.Length > 0 && double.IsFinite(value);

    private static bool IsVersion(ReadOnlySpan<byte> text)
    {
        var dot = text.IndexOf((byte)'.');
        return dot > 0 && dot < text.Length - 1 && !text.ContainsAnyExcept("0123456789."u8) && text.Count((byte)'.') == 1;
    }

    private static ScannerReplyStatus Unfinished(bool endOfInput, string what, out string? error)
    {
        error = endOfInput ? $"spamd closed the connection early: {what}" : null;
        return endOfInput ? ScannerReplyStatus.Malformed : ScannerReplyStatus.Incomplete;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    /// <summary>Daemon text for a log line or the console: ASCII, control characters shown as '?'.</summary>
    internal static string Printable(ReadOnlySpan<byte> text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in text)
        {
            builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }
        return builder.ToString();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"SPAMD/{Version} {Code} {Message} spam={IsSpam} {Score}/{Threshold} ({Body.Length} bytes)");
}
