using System.Buffers;
using System.Text;

namespace Appliance.Pop3;

/// <summary>A command line split into its keyword (upper-cased) and the text after it.</summary>
public readonly record struct Pop3Command(string Keyword, string Arguments)
{
    /// <summary>
    /// RFC 2449 §9: <c>command = keyword *(SP param) CRLF</c>, <c>keyword = 3*4VCHAR</c>. A first word that
    /// is not a keyword (garbage, binary) gives an empty keyword, which no state accepts. The rest is
    /// decoded as UTF-8 and kept whole: PASS takes it all, spaces included (RFC 1939 §7).
    /// </summary>
    public static Pop3Command Parse(ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(line);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> keyword, (byte)' ', advancePastDelimiter: true))
        {
            keyword = line;
            reader.AdvanceToEnd();
        }
        var arguments = Encoding.UTF8.GetString(reader.UnreadSequence);
        return new Pop3Command(ParseKeyword(keyword), arguments);
    }

    /// <summary>The space-separated parameters (RFC 2449 §9 <c>param = 1*VCHAR</c>); two spaces in a row make an empty one, which no command accepts.</summary>
    public string[] Params => Arguments.Length == 0 ? [] : Arguments.Split(' ');

    /// <summary><c>keyword = 3*4VCHAR</c>, upper-cased, since keywords are case-insensitive (RFC 1939 §3).</summary>
    private static string ParseKeyword(ReadOnlySequence<byte> bytes)
    {
        if (bytes.Length is < 3 or > 4)
        {
            return "";
        }
        Span<char> text = stackalloc char[4];
        var i = 0;
        foreach (var b in bytes.ToArray())
        {
            if (b is < 0x21 or > 0x7E)
            {
                return "";
            }
            text[i++] = char.ToUpperInvariant((char)b);
        }
        return new string(text[..i]);
    }

    /// <summary>RFC 1939 §3: a message number is a decimal from 1; anything else is not one.</summary>
    public static bool TryParseNumber(string text, out int number)
    {
        number = 0;
        if (text.Length is 0 or > 9)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            number = number * 10 + (c - '0');
        }
        return true;
    }
}
