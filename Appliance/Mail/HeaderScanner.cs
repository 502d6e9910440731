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
}
