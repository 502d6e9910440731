using System.Text;

namespace Appliance.Imap;

/// <summary>RFC 3501 §5.1.3 mailbox names: modified UTF-7, "&amp;" escapes base64 of UTF-16 with "," for "/".</summary>
public static class ModifiedUtf7
{
    public static string Encode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new StringBuilder();
        for (var i = 0; i < name.Length;)
        {
            var c = name[i];
            if (c == '&')
            {
                result.Append("&-");
                i++;
            }
            else if (c is >= ' ' and <= '~')
            {
                result.Append(c);
                i++;
            }
            else
            {
                var start = i;
                while (i < name.Length && name[i] is < ' ' or > '~')
                {
                    i++;
                }
                var bytes = Encoding.BigEndianUnicode.GetBytes(name[start..i]);
                result.Append('&').Append(Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', ',')).Append('-');
            }
        }
        return result.ToString();
    }

    /// <summary>Decodes a name; false when it is not valid modified UTF-7.</summary>
    public static bool TryDecode(string encoded, out string name)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var result = new StringBuilder();
        name = encoded;
        for (var i = 0; i < encoded.Length;)
        {
            var c = encoded[i];
            if (c is < ' ' or > '~')
            {
                return false;
            }
            if (c != '&')
            {
                result.Append(c);
                i++;
                continue;
            }
            var end = encoded.IndexOf('-', i + 1);
            if (end < 0)
            {
                return false;
            }
            if (end == i + 1)
            {
                result.Append('&');
                i = end + 1;
                continue;
            }
            var base64 = encoded[(i + 1)..end].Replace(',', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            try
            {
                var bytes = Convert.FromBase64String(base64);
                if (bytes.Length % 2 != 0)
                {
                    return false;
                }
                result.Append(Encoding.BigEndianUnicode.GetString(bytes));
            }
            catch (FormatException)
            {
                return false;
            }
            i = end + 1;
        }
        name = result.ToString();
        return true;
    }
}
