namespace Appliance.Mailstore;

/// <summary>Why a message is not handed to MimeKit.</summary>
public enum MimeKitRefusal
{
    None,

    /// <summary>A header block (the message's or a part's) is larger than any real message's.</summary>
    HeaderTooLarge,

    /// <summary>More MIME boundary lines than any real message has.</summary>
    TooManyParts,
}

/// <summary>
/// Decides, in one linear pass over the raw bytes, whether MimeKit may parse a message. MimeKit builds every part and
/// decodes every parameter eagerly, which is fine for mail and pathological for bombs: 200,000 folded header lines
/// took minutes, 50,000 parts over 600 MB, and one part with 50,000 RFC 2231 continuations 13 s and 500 MB
/// (MailBombTests). The code that needs MimeKit's model (DKIM and ARC verification, Sieve) asks first and skips its
/// check, saying so, when the answer is no; our own parser, which every stored message goes through, has its limits.
/// </summary>
public static class MimeKitBudget
{
    /// <summary>The largest header block of the message or of any part; real mail has a few KiB, a mailing list's tens.</summary>
    public const int MaxHeaderBytes = 256 * 1024;

    /// <summary>The most lines that begin with "--" (boundaries, at worst a few signature separators); real mail has a handful.</summary>
    public const int MaxBoundaryLines = 1000;

    /// <summary>
    /// Scans <paramref name="message"/>: the message's header runs from the start to the first empty line, and a
    /// part's from each line that begins with "--" to the next empty line. Counting a body line that merely starts with
    /// "--" as a boundary over-counts, which errs on the safe side.
    /// </summary>
    public static MimeKitRefusal Check(ReadOnlySpan<byte> message)
    {
        var boundaries = 0;
        var inHeader = true;
        var headerStart = 0;
        var position = 0;
        while (position < message.Length)
        {
            var rest = message[position..];
            var newline = rest.IndexOf((byte)'\n');
            var lineLength = newline < 0 ? rest.Length : newline + 1;
            var line = rest[..lineLength];
            if (line.StartsWith("--"u8))
            {
                if (++boundaries > MaxBoundaryLines)
                {
                    return MimeKitRefusal.TooManyParts;
                }
                inHeader = true;
                headerStart = position + lineLength;
            }
            else if (inHeader)
            {
                if (line.TrimEnd("\r\n"u8).IsEmpty)
                {
                    inHeader = false;
                }
                else if (position + lineLength - headerStart > MaxHeaderBytes)
                {
                    return MimeKitRefusal.HeaderTooLarge;
                }
            }
            position += lineLength;
        }
        return MimeKitRefusal.None;
    }
}
