using System.Text;

namespace Appliance.Protocols;

/// <summary>SASL mechanisms the protocols share: PLAIN (RFC 4616) and the LOGIN mechanism clients still use.</summary>
public static class Sasl
{
    /// <summary>
    /// RFC 4616 §2: <c>message = [authzid] UTF8NUL authcid UTF8NUL passwd</c>, base64 on the wire.
    /// An authorization identity other than the authentication one is refused (no proxy login).
    /// </summary>
    public static bool TryDecodePlain(string base64, out string user, out string password)
    {
        user = password = "";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        var text = Encoding.UTF8.GetString(bytes);
        var parts = text.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            return false;
        }
        if (parts[0].Length > 0 && !string.Equals(parts[0], parts[1], StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        user = parts[1];
        password = parts[2];
        return true;
    }

    public static bool TryDecodeBase64Text(string base64, out string text)
    {
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
            return true;
        }
        catch (FormatException)
        {
            text = "";
            return false;
        }
    }

    public static string EncodeBase64Text(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
