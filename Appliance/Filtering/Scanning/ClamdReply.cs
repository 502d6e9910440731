namespace Appliance.Filtering.Scanning;

/// <summary>
/// A reply of clamd to a z-command (clamd(8): "z" prefixes a command whose reply ends in NUL):
/// <code>
/// reply   = (ok / found / error) NUL
/// ok      = "stream: OK"
/// found   = "stream: " virus-name " FOUND"
/// error   = text " ERROR"               ; e.g. "INSTREAM size limit exceeded. ERROR"
/// </code>
/// and "PONG" NUL to zPING.
/// </summary>
public sealed record ClamdReply(VirusScanStatus Status, string? VirusName, string Text)
{
    private static ReadOnlySpan<byte> StreamPrefix => "stream: "u8;

    private static ReadOnlySpan<byte> Found => " FOUND"u8;

    /// <summary>Reads the text up to its NUL.</summary>
    public static ScannerReplyStatus TryReadText(ReadOnlySpan<byte> input, bool endOfInput, out string text, out string? error)
    {
        text = "";
        error = null;
        var nul = input.IndexOf((byte)0);
        if (nul < 0)
        {
            if (endOfInput)
            {
                error = input.IsEmpty ? "clamd closed the connection without a reply" : $"clamd's reply has no NUL at its end: '{SpamdReply.Printable(input)}'";
                return ScannerReplyStatus.Malformed;
            }
            return ScannerReplyStatus.Incomplete;
        }
        var line = input[..nul];
        // AllMatchScan, or a clamd answering an n-command, ends its line with LF.
        while (line.Length > 0 && line[^1] is (byte)'\n' or (byte)'\r')
        {
            line = line[..^1];
        }
        text = SpamdReply.Printable(line);
        return ScannerReplyStatus.Complete;
    }

    /// <summary>Parses the reply to zINSTREAM.</summary>
    public static ScannerReplyStatus TryParse(ReadOnlySpan<byte> input, bool endOfInput, out ClamdReply? reply, out string? error)
    {
        reply = null;
        var status = TryReadText(input, endOfInput, out var text, out error);
        if (status != ScannerReplyStatus.Complete)
        {
            return status;
        }
        if (text.EndsWith(" ERROR", StringComparison.Ordinal))
        {
            reply = new ClamdReply(VirusScanStatus.Failed, null, text);
            return ScannerReplyStatus.Complete;
        }
        // With AllMatchScan each signature has a line "stream: NAME FOUND"; the first names the message.
        var line = input[..input.IndexOf((byte)0)];
        var lineEnd = line.IndexOf((byte)'\n');
        if (lineEnd >= 0)
        {
            line = line[..lineEnd];
        }
        line = line.TrimEnd((byte)'\r');
        if (line.StartsWith(StreamPrefix))
        {
            var result = line[StreamPrefix.Length..];
            if (result.SequenceEqual("OK"u8))
            {
                reply = new ClamdReply(VirusScanStatus.Clean, null, text);
                return ScannerReplyStatus.Complete;
            }
            if (result.Length > Found.Length && result.EndsWith(Found))
            {
                reply = new ClamdReply(VirusScanStatus.Infected, SpamdReply.Printable(result[..^Found.Length]), text);
                return ScannerReplyStatus.Complete;
            }
        }
        error = $"not a clamd INSTREAM reply: '{text}'";
        return ScannerReplyStatus.Malformed;
    }

    /// <summary>True for clamd's refusal of a stream over its StreamMaxLength.</summary>
    public bool IsSizeLimitExceeded => Status == VirusScanStatus.Failed && Text.Contains("size limit exceeded", StringComparison.OrdinalIgnoreCase);
}
