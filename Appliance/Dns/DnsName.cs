using System.Globalization;

namespace Appliance.Dns;

/// <summary>
/// Domain names in presentation form (RFC 1035 §5.1): labels joined by dots, no final dot, the root
/// as "". A byte that is not printable ASCII, a dot or a backslash inside a label is escaped as
/// <c>\DDD</c> or <c>\.</c>, so that any wire name round-trips.
/// </summary>
public static class DnsName
{
    /// <summary>RFC 1035 §2.3.4: a name is at most 255 bytes on the wire, a label at most 63.</summary>
    public const int MaxWireLength = 255;

    public const int MaxLabelLength = 63;

    /// <summary>Names compare without regard to ASCII case (RFC 4343); escapes are compared as written.</summary>
    public static bool Equal(string a, string b) =>
        string.Equals(TrimFinalDot(a), TrimFinalDot(b), StringComparison.OrdinalIgnoreCase);

    public static string TrimFinalDot(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EndsWith('.') && !name.EndsWith("\\.", StringComparison.Ordinal) ? name[..^1] : name;
    }

    /// <summary>
    /// A name as a query needs it: the final dot removed and internationalized labels turned into
    /// A-labels (RFC 5891). False for a name that cannot be sent (empty label, too long, bad IDN).
    /// </summary>
    public static bool TryNormalize(string name, out string normalized)
    {
        ArgumentNullException.ThrowIfNull(name);
        normalized = TrimFinalDot(name.Trim());
        if (normalized.Length == 0)
        {
            return false;
        }
        if (!normalized.All(char.IsAscii))
        {
            try
            {
                normalized = new IdnMapping().GetAscii(normalized);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
        Span<byte> wire = stackalloc byte[MaxWireLength];
        return TryEncode(normalized, wire, out _, out _);
    }

    /// <summary>
    /// Writes <paramref name="name"/> uncompressed in wire form (length-prefixed labels ending with the
    /// root's zero byte) and reports where each label starts, so the writer can compress its suffixes.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<char> name, Span<byte> wire, out int length, out int labelCount)
    {
        length = 0;
        labelCount = 0;
        if (name.Length > 0 && name[^1] == '.' && !(name.Length > 1 && name[^2] == '\\'))
        {
            name = name[..^1];
        }
        if (name.IsEmpty)
        {
            if (wire.IsEmpty)
            {
                return false;
            }
            wire[0] = 0;
            length = 1;
            return true;
        }
        var labelStart = 0;
        var position = 1;
        var i = 0;
        while (true)
        {
            if (i == name.Length || name[i] == '.')
            {
                var labelLength = position - labelStart - 1;
                if (labelLength is 0 or > MaxLabelLength)
                {
                    return false;
                }
                wire[labelStart] = (byte)labelLength;
                labelCount++;
                if (i == name.Length)
                {
                    break;
                }
                i++;
                labelStart = position;
                position++;
                if (position >= MaxWireLength)
                {
                    return false;
                }
                continue;
            }
            int value;
            if (name[i] == '\\')
            {
                if (i + 1 >= name.Length)
                {
                    return false;
                }
                if (char.IsAsciiDigit(name[i + 1]))
                {
                    // \DDD: exactly three decimal digits (RFC 1035 §5.1).
                    if (i + 3 >= name.Length
                        || !int.TryParse(name.Slice(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out value)
                        || value > 255)
                    {
                        return false;
                    }
                    i += 4;
                }
                else
                {
                    value = name[i + 1] <= 0x7F ? name[i + 1] : -1;
                    i += 2;
                }
            }
            else
            {
                // Raw characters must be ASCII; other bytes arrive escaped (IDNs as A-labels, see TryNormalize).
                value = name[i] <= 0x7F ? name[i] : -1;
                i++;
            }
            if (value < 0 || position >= MaxWireLength - 1)
            {
                return false;
            }
            wire[position++] = (byte)value;
        }
        if (position >= MaxWireLength)
        {
            return false;
        }
        wire[position++] = 0;
        length = position;
        return true;
    }

    /// <summary>Appends one wire label in presentation form.</summary>
    internal static void AppendLabel(System.Text.StringBuilder builder, ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            if (b is (byte)'.' or (byte)'\\')
            {
                builder.Append('\\').Append((char)b);
            }
            else if (b is > 0x20 and < 0x7F)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The reverse-lookup name of an address (RFC 1035 §3.5, RFC 3596 §2.5).</summary>
    public static string ReverseLookupName(System.Net.IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}.in-addr.arpa");
        }
        var builder = new System.Text.StringBuilder(72);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            builder.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }
        return builder.Append("ip6.arpa").ToString();
    }
}
