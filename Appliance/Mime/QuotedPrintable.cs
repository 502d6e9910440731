namespace Appliance.Mime;

/// <summary>The quoted-printable content transfer encoding (RFC 2045 §6.7).</summary>
public static class QuotedPrintable
{
    /// <summary>
    /// Decodes leniently. RFC 2045 §6.7: <c>qp-line = *(qp-segment transport-padding CRLF) qp-part transport-padding</c>,
    /// <c>qp-segment = qp-section *(SPACE / TAB) "="</c> (a soft line break), <c>hex-octet = "=" 2(DIGIT / "A"-"F")</c>.
    /// Trailing whitespace of a line is transport padding and removed (rule 3); lower-case hex is accepted;
    /// an "=" that starts no valid escape is kept as it is (the "robust" reading of §6.7 note 1). Line breaks
    /// (CRLF or bare LF) are kept as they are.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> input)
    {
        var output = new byte[input.Length];
        var length = 0;
        var i = 0;
        while (i < input.Length)
        {
            var lineEnd = input[i..].IndexOf((byte)'\n');
            var next = lineEnd < 0 ? input.Length : i + lineEnd + 1;
            var contentEnd = lineEnd < 0 ? input.Length : i + lineEnd;
            var hasCr = contentEnd > i && input[contentEnd - 1] == '\r' && lineEnd >= 0;
            if (hasCr)
            {
                contentEnd--;
            }
            var line = input[i..contentEnd];
            // Transport padding: whitespace at the end of a line that has a line break after it.
            if (lineEnd >= 0)
            {
                line = line.TrimEnd(" \t"u8);
            }
            var soft = false;
            for (var j = 0; j < line.Length; j++)
            {
                var b = line[j];
                if (b != '=')
                {
                    output[length++] = b;
                    continue;
                }
                if (j == line.Length - 1 && lineEnd >= 0)
                {
                    soft = true;
                    break;
                }
                if (j + 2 < line.Length && HexValue(line[j + 1]) is var hi and >= 0 && HexValue(line[j + 2]) is var lo and >= 0)
                {
                    output[length++] = (byte)(hi << 4 | lo);
                    j += 2;
                    continue;
                }
                output[length++] = b;
            }
            if (!soft && lineEnd >= 0)
            {
                if (hasCr)
                {
                    output[length++] = (byte)'\r';
                }
                output[length++] = (byte)'\n';
            }
            i = next;
        }
        return output.AsSpan(0, length).ToArray();
    }

    /// <summary>
    /// Encodes for a body: line breaks become CRLF, "=" and bytes outside printable ASCII become =XX, a space
    /// or tab before a line break is encoded, and soft line breaks keep every line within 76 characters (§6.7 rule 5).
    /// </summary>
    public static string Encode(ReadOnlySpan<byte> input)
    {
        var sb = new System.Text.StringBuilder(input.Length * 3 / 2);
        var lineLength = 0;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == '\r' && i + 1 < input.Length && input[i + 1] == '\n')
            {
                continue;
            }
            if (b == '\n' || b == '\r')
            {
                sb.Append("\r\n");
                lineLength = 0;
                continue;
            }
            var atLineEnd = i + 1 == input.Length || input[i + 1] == '\n' || input[i + 1] == '\r';
            var literal = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !atLineEnd);
            var width = literal ? 1 : 3;
            // Leave room for the soft break "=" unless this is the last character of the line.
            if (lineLength + width > (atLineEnd ? 76 : 75))
            {
                sb.Append("=\r\n");
                lineLength = 0;
            }
            if (literal)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('=').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
            }
            lineLength += width;
        }
        return sb.ToString();
    }

    private const string HexDigits = "0123456789ABCDEF";

    internal static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
