namespace Appliance.Mime;

/// <summary>The base64 content transfer encoding (RFC 2045 §6.8).</summary>
public static class Base64Transfer
{
    /// <summary>
    /// Decodes leniently: "All line breaks or other characters not found in Table 1 must be ignored by
    /// decoding software" (RFC 2045 §6.8). "=" ends a quantum; decoding goes on after it so that concatenated
    /// base64 still decodes, and a final incomplete quantum yields the bytes it holds.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> input)
    {
        var output = new byte[input.Length / 4 * 3 + 3];
        var length = 0;
        var quantum = 0;
        var count = 0;
        foreach (var b in input)
        {
            var value = SextetOf(b);
            if (value < 0)
            {
                if (b == '=' && count > 0)
                {
                    length = Flush(output, length, quantum, count);
                    quantum = 0;
                    count = 0;
                }
                continue;
            }
            quantum = quantum << 6 | value;
            if (++count == 4)
            {
                output[length++] = (byte)(quantum >> 16);
                output[length++] = (byte)(quantum >> 8);
                output[length++] = (byte)quantum;
                quantum = 0;
                count = 0;
            }
        }
        length = Flush(output, length, quantum, count);
        return output.AsSpan(0, length).ToArray();
    }

    /// <summary>Encodes in lines of 76 characters separated by CRLF (RFC 2045 §6.8), with a final CRLF.</summary>
    public static string Encode(ReadOnlySpan<byte> input)
    {
        var text = Convert.ToBase64String(input, Base64FormattingOptions.InsertLineBreaks);
        return text.Length == 0 ? text : text + "\r\n";
    }

    private static int Flush(byte[] output, int length, int quantum, int count)
    {
        if (count == 2)
        {
            output[length++] = (byte)(quantum >> 4);
        }
        else if (count == 3)
        {
            output[length++] = (byte)(quantum >> 10);
            output[length++] = (byte)(quantum >> 2);
        }
        return length;
    }

    private static int SextetOf(byte b) => b switch
    {
        >= (byte)'A' and <= (byte)'Z' => b - 'A',
        >= (byte)'a' and <= (byte)'z' => b - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => b - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        _ => -1,
    };
}
