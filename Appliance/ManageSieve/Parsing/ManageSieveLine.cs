using System.Text;

namespace Appliance.ManageSieve.Parsing;

/// <summary>One argument of a command: an atom (the command name, a number) or a string (quoted or literal).</summary>
public readonly record struct ManageSieveToken(bool IsString, string Value)
{
    public static ManageSieveToken Atom(string value) => new(false, value);

    public static ManageSieveToken Text(string value) => new(true, value);
}

/// <summary>How a line of a command ended.</summary>
public enum ManageSieveLineStatus
{
    /// <summary>The command is complete.</summary>
    Complete,
    /// <summary>The line ended in a literal's length: that many octets follow, then the command's next line.</summary>
    Literal,
    /// <summary>The line breaks the grammar; the error says how.</summary>
    Malformed,
}

/// <summary>
/// The RFC 5804 §4 command grammar over one line (without its CRLF), pure: no I/O, no state but what it returns.
/// <code>
/// command    = atom *(SP (atom / number / string)) CRLF
/// string     = quoted / literal
/// quoted     = DQUOTE *QUOTED-CHAR DQUOTE        ; QUOTED-SPECIALS (DQUOTE, "\") escaped with "\"
/// literal-c2s = "{" number "+}" CRLF *OCTET      ; "{" number "}" is accepted too: the server sends no continuation
/// </code>
/// </summary>
public static class ManageSieveLine
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Appends the line's tokens to <paramref name="tokens"/>. After a literal the caller adds the octets as a string and parses the next line with <paramref name="continuation"/> true.</summary>
    /// <param name="continuation">The line follows a literal: it starts with SP and more arguments, or is empty.</param>
    public static ManageSieveLineStatus Parse(ReadOnlySpan<byte> line, bool continuation, List<ManageSieveToken> tokens, out long literalLength, out string error)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        literalLength = 0;
        error = "";
        var i = 0;
        if (!continuation)
        {
            if (line.IsEmpty)
            {
                error = "Empty command";
                return ManageSieveLineStatus.Malformed;
            }
        }
        else if (line.IsEmpty)
        {
            return ManageSieveLineStatus.Complete;
        }
        var first = !continuation;
        while (i < line.Length)
        {
            if (!first)
            {
                if (line[i] != (byte)' ')
                {
                    error = "Expected a space between arguments";
                    return ManageSieveLineStatus.Malformed;
                }
                i++;
                if (i == line.Length)
                {
                    error = "Trailing space";
                    return ManageSieveLineStatus.Malformed;
                }
            }
            first = false;
            var c = line[i];
            if (c == (byte)'"')
            {
                if (!TryQuoted(line, ref i, out var text, out error))
                {
                    return ManageSieveLineStatus.Malformed;
                }
                tokens.Add(ManageSieveToken.Text(text));
            }
            else if (c == (byte)'{')
            {
                // literal: must end the line.
                var close = line[i..].IndexOf((byte)'}');
                if (close < 0 || i + close + 1 != line.Length)
                {
                    error = "A literal's length must end the line";
                    return ManageSieveLineStatus.Malformed;
                }
                var digits = line[(i + 1)..(i + close)];
                if (!digits.IsEmpty && digits[^1] == (byte)'+')
                {
                    digits = digits[..^1];
                }
                if (!TryNumber(digits, out literalLength))
                {
                    error = "Bad literal length";
                    return ManageSieveLineStatus.Malformed;
                }
                return ManageSieveLineStatus.Literal;
            }
            else
            {
                var start = i;
                while (i < line.Length && IsAtomChar(line[i]))
                {
                    i++;
                }
                if (i == start)
                {
                    error = "Unexpected character in the command";
                    return ManageSieveLineStatus.Malformed;
                }
                tokens.Add(ManageSieveToken.Atom(Encoding.ASCII.GetString(line[start..i])));
            }
        }
        return ManageSieveLineStatus.Complete;
    }

    /// <summary><c>quoted = DQUOTE *QUOTED-CHAR DQUOTE</c>; QUOTED-CHAR excludes CR and LF, and "\" escapes only DQUOTE and "\".</summary>
    private static bool TryQuoted(ReadOnlySpan<byte> line, ref int i, out string text, out string error)
    {
        text = "";
        error = "";
        var bytes = new List<byte>();
        i++;
        while (i < line.Length)
        {
            var c = line[i++];
            if (c == (byte)'"')
            {
                try
                {
                    text = StrictUtf8.GetString([.. bytes]);
                    return true;
                }
                catch (DecoderFallbackException)
                {
                    error = "A string is not valid UTF-8";
                    return false;
                }
            }
            if (c == (byte)'\\')
            {
                if (i == line.Length || line[i] is not ((byte)'"' or (byte)'\\'))
                {
                    error = "Only \\\" and \\\\ may be escaped in a quoted string";
                    return false;
                }
                c = line[i++];
            }
            else if (c is 0 or (byte)'\r')
            {
                error = "A quoted string cannot hold NUL or CR";
                return false;
            }
            bytes.Add(c);
        }
        error = "Unterminated quoted string";
        return false;
    }

    /// <summary><c>number = 1*DIGIT</c>, below 2^32 (RFC 5804 §4).</summary>
    public static bool TryNumber(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 10)
        {
            return false;
        }
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            value = value * 10 + (d - '0');
        }
        return value <= uint.MaxValue;
    }

    /// <summary>Atoms are command names and numbers: letters, digits and a few marks; never quotes, braces, spaces or controls.</summary>
    private static bool IsAtomChar(byte c) =>
        c > 0x20 && c < 0x7F && c is not ((byte)'"' or (byte)'{' or (byte)'}' or (byte)'(' or (byte)')' or (byte)'\\' or (byte)'%' or (byte)'*');

    /// <summary>Decodes a literal's octets; false when they are not UTF-8 (RFC 5804 §1.6: scripts and names are UTF-8).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> octets, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(octets);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
