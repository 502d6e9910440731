using System.Text;

namespace Appliance.Mime;

/// <summary>One parameter of Content-Type or Content-Disposition, after RFC 2231 continuations and charsets are resolved.</summary>
public sealed record MimeParameter(string Name, string Value);

/// <summary>The parameters of a Content-Type or Content-Disposition field, in order, names case-insensitive.</summary>
public sealed class MimeParameters : List<MimeParameter>
{
    public MimeParameters()
    {
    }

    public MimeParameters(IEnumerable<MimeParameter> parameters)
        : base(parameters)
    {
    }

    /// <summary>The value of the first parameter called <paramref name="name"/>, or null.</summary>
    public string? this[string name] => Find(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>
    /// Parses <c>*(";" parameter)</c> from <paramref name="pos"/> (RFC 2045 §5.1:
    /// <c>parameter := attribute "=" value</c>, <c>value := token / quoted-string</c>) and joins RFC 2231 forms:
    /// <c>extended-parameter := (extended-initial-name "=" extended-initial-value) / (extended-other-names "=" extended-other-values)</c>,
    /// <c>extended-initial-value := [charset] "'" [language] "'" extended-other-values</c>. Leniently, an unquoted value runs
    /// to the next ";", a missing "=" drops that parameter, and RFC 2047 words inside a plain value are decoded
    /// (Outlook writes <c>filename="=?utf-8?B?...?="</c>).
    /// </summary>
    internal static MimeParameters Parse(string s, int pos)
    {
        var raw = new List<(string Attribute, string Value, bool Quoted)>();
        while (pos < s.Length)
        {
            StructuredText.SkipCfws(s, ref pos);
            if (pos >= s.Length)
            {
                break;
            }
            if (s[pos] != ';')
            {
                // Garbage after a value: skip to the next parameter.
                var semi = s.IndexOf(';', pos);
                if (semi < 0)
                {
                    break;
                }
                pos = semi;
            }
            pos++;
            StructuredText.SkipCfws(s, ref pos);
            var attribute = StructuredText.ReadToken(s, ref pos);
            StructuredText.SkipCfws(s, ref pos);
            if (attribute.Length == 0 || pos >= s.Length || s[pos] != '=')
            {
                continue;
            }
            pos++;
            StructuredText.SkipCfws(s, ref pos);
            if (pos < s.Length && s[pos] == '"')
            {
                raw.Add((attribute, StructuredText.ReadQuotedString(s, ref pos), true));
            }
            else
            {
                var start = pos;
                while (pos < s.Length && s[pos] != ';')
                {
                    pos++;
                }
                raw.Add((attribute, s[start..pos].Trim(), false));
            }
        }
        return Join(raw);
    }

    private static MimeParameters Join(List<(string Attribute, string Value, bool Quoted)> raw)
    {
        var result = new MimeParameters();
        var extended = new Dictionary<string, List<(int Section, bool Encoded, string Value)>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var (attribute, value, _) in raw)
        {
            var star = attribute.IndexOf('*', StringComparison.Ordinal);
            if (star < 0)
            {
                order.Add(attribute);
                continue;
            }
            var name = attribute[..star];
            var rest = attribute[(star + 1)..];
            var encoded = rest.EndsWith('*') || rest.Length == 0;
            var digits = rest.TrimEnd('*');
            var section = 0;
            if (digits.Length > 0 && !int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out section))
            {
                continue;
            }
            if (!extended.TryGetValue(name, out var list))
            {
                extended[name] = list = [];
                order.Add(name);
            }
            list.Add((section, encoded, value));
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in order)
        {
            if (!seen.Add(name))
            {
                continue;
            }
            if (extended.TryGetValue(name, out var sections))
            {
                result.Add(new MimeParameter(name, JoinSections(sections)));
            }
            else
            {
                var plain = raw.First(r => string.Equals(r.Attribute, name, StringComparison.OrdinalIgnoreCase));
                result.Add(new MimeParameter(name, EncodedWords.Decode(plain.Value)));
            }
        }
        return result;
    }

    /// <summary>RFC 2231 §3-4: sections in order; the charset of section 0 applies to every encoded section.</summary>
    private static string JoinSections(List<(int Section, bool Encoded, string Value)> sections)
    {
        sections.Sort((a, b) => a.Section.CompareTo(b.Section));
        string? charset = null;
        var bytes = new List<byte>();
        for (var i = 0; i < sections.Count; i++)
        {
            var (_, encoded, value) = sections[i];
            if (!encoded)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value));
                continue;
            }
            var text = value;
            if (i == 0)
            {
                var q1 = value.IndexOf('\'', StringComparison.Ordinal);
                var q2 = q1 < 0 ? -1 : value.IndexOf('\'', q1 + 1);
                if (q2 >= 0)
                {
                    charset = value[..q1];
                    text = value[(q2 + 1)..];
                }
            }
            for (var k = 0; k < text.Length; k++)
            {
                if (text[k] == '%' && k + 2 < text.Length && Uri.IsHexDigit(text[k + 1]) && Uri.IsHexDigit(text[k + 2]))
                {
                    bytes.Add((byte)(Uri.FromHex(text[k + 1]) << 4 | Uri.FromHex(text[k + 2])));
                    k += 2;
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(text[k].ToString()));
                }
            }
        }
        return Charsets.Decode(bytes.ToArray(), charset);
    }

    /// <summary>
    /// Writes <c>; name=value</c> pairs for a header: a token as it is, other ASCII as a quoted-string, and
    /// non-ASCII as RFC 2231 <c>name*=utf-8''%XX</c>. Long values are split into RFC 2231 sections
    /// (<c>name*0*</c>, <c>name*1*</c>... or quoted <c>name*0</c>, <c>name*1</c>...) so that the field can be folded
    /// within 78 characters.
    /// </summary>
    private const int SectionLength = 60;

    internal static void Append(StringBuilder sb, IEnumerable<MimeParameter> parameters)
    {
        foreach (var p in parameters)
        {
            if (!p.Value.Any(c => c >= 127 || c < ' '))
            {
                if (p.Value.Length <= SectionLength)
                {
                    sb.Append("; ").Append(p.Name).Append('=').Append(StructuredText.QuoteIfNeeded(p.Value));
                    continue;
                }
                for (int i = 0, section = 0; i < p.Value.Length; i += SectionLength, section++)
                {
                    var chunk = p.Value.Substring(i, Math.Min(SectionLength, p.Value.Length - i));
                    sb.Append("; ").Append(p.Name).Append('*').Append(section).Append('=').Append(StructuredText.Quote(chunk));
                }
                continue;
            }
            var encoded = new StringBuilder("utf-8''");
            foreach (var b in Encoding.UTF8.GetBytes(p.Value))
            {
                var c = (char)b;
                if (b < 127 && b > ' ' && !StructuredText.IsTSpecial(c) && c is not ('*' or '\'' or '%'))
                {
                    encoded.Append(c);
                }
                else
                {
                    encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            var value = encoded.ToString();
            if (value.Length <= SectionLength)
            {
                sb.Append("; ").Append(p.Name).Append("*=").Append(value);
                continue;
            }
            for (int i = 0, section = 0; i < value.Length; section++)
            {
                var length = Math.Min(SectionLength, value.Length - i);
                // Never cut a %XX escape in two.
                if (i + length < value.Length && value.AsSpan(i + length - 2, 2).Contains('%'))
                {
                    length -= value[i + length - 1] == '%' ? 1 : 2;
                }
                sb.Append("; ").Append(p.Name).Append('*').Append(section).Append("*=").Append(value, i, length);
                i += length;
            }
        }
    }
}
