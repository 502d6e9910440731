using System.Text;

namespace Appliance.Mail;

/// <summary>Reads one header field's value from the start of a message, without parsing the whole message.</summary>
internal static class HeaderScanner
{
    /// <summary>The header block read at most: 64 KiB covers any real header section.</summary>
    private const int MaxHeaderBytes = 64 * 1024;

    public static string? Find(Stream message, string name)
    {
        var buffer = new byte[MaxHeaderBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = message.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }
        var text = Encoding.Latin1.GetString(buffer, 0, length);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end >= 0) text = text[..end];
        string? value = null;
        foreach (var line in text.Split("\r\n"))
        {
            if (value is not null)
            {
                if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
                {
                    value += " " + line.Trim();
                    continue;
                }
                return value.Trim();
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = line[(colon + 1)..];
            }
        }
        return value?.Trim();
    }

    /// <summary>
    /// The message without any field called <paramref name="name"/> (with its continuation lines) in its
    /// header block; everything else byte for byte. Lines end in CRLF; the block ends at the first empty line.
    /// </summary>
    public static byte[] RemoveField(ReadOnlySpan<byte> message, string name)
    {
        using var output = new MemoryStream(message.Length);
        var skipping = false;
        var pos = 0;
        while (pos < message.Length)
        {
            var newline = message[pos..].IndexOf((byte)'\n');
            var end = newline < 0 ? message.Length : pos + newline + 1;
            var line = message[pos..end];
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                break;
            }
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = line.IndexOf((byte)':');
                skipping = colon > 0 && Encoding.ASCII.GetString(line[..colon]).TrimEnd(' ', '\t').Equals(name, StringComparison.OrdinalIgnoreCase);
            }
            if (!skipping)
            {
                output.Write(line);
            }
            pos = end;
        }
        output.Write(message[pos..]);
        return output.ToArray();
    }
}
