using System.Text;
using System.Text.Unicode;

namespace Appliance.Mime;

/// <summary>
/// Charset names (RFC 2045 §5.1 <c>charset</c> parameter, RFC 2047 encoded words, RFC 2231 values) to
/// .NET encodings. The code-pages provider is registered once so that windows-125x, iso-8859-x, koi8-r,
/// gb2312, shift_jis and the rest resolve.
/// </summary>
public static class Charsets
{
    private static readonly Encoding Utf8Lenient = new UTF8Encoding(false, false);

    static Charsets()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>The encoding for a charset name, or null when the name is unknown or means "unknown" (unknown-8bit, x-unknown).</summary>
    public static Encoding? GetEncoding(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }
        var name = charset.Trim().Trim('"').ToLowerInvariant();
        switch (name)
        {
            case "utf8" or "utf-8" or "x-utf-8":
                return Utf8Lenient;
            case "unknown-8bit" or "x-unknown" or "unknown" or "default" or "x-user-defined":
                return null;
            case "ks_c_5601-1987" or "ks_c_5601":
                name = "cp949";
                break;
            case "latin1" or "latin-1":
                name = "iso-8859-1";
                break;
        }
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            // Encoding.GetEncoding has no TryGet form; an unknown name (or UTF-7, disabled since .NET 5) is ordinary input here.
            return null;
        }
    }

    /// <summary>
    /// Decodes text declared in <paramref name="charset"/>. US-ASCII and unknown charsets fall back to
    /// UTF-8 when the bytes are valid UTF-8 and to Latin-1 otherwise: 8-bit text labelled "us-ascii" or
    /// with a made-up charset name is common, and both fallbacks map every byte to a character. Never throws.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? charset)
    {
        var encoding = GetEncoding(charset);
        if (encoding is null || encoding.CodePage == 20127)
        {
            return DecodeUnlabelled(bytes);
        }
        return encoding.GetString(bytes);
    }

    /// <summary>Bytes without a charset (raw header bytes, RFC 6532): UTF-8 when valid, otherwise Latin-1.</summary>
    public static string DecodeUnlabelled(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.ContainsAnyExceptInRange((byte)0, (byte)0x7F))
        {
            return Encoding.ASCII.GetString(bytes);
        }
        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }
}
