using System.Text;

namespace Appliance.Mime;

/// <summary>RFC 2047 encoded words: <c>encoded-word = "=?" charset "?" encoding "?" encoded-text "?="</c>.</summary>
public static class EncodedWords
{
    /// <summary>Longest encoded word (RFC 2047 §2: "may not be more than 75 characters long").</summary>
    public const int MaxWordLength = 75;

    /// <summary>
    /// Decodes every encoded word in <paramref name="text"/>. RFC 2047 §6.2: "any 'linear-white-space' that
    /// separates a pair of adjacent 'encoded-word's is ignored". Adjacent words in the same charset are joined
    /// as bytes before decoding, because senders split multi-byte characters across words. Leniently, words
    /// that touch other text are decoded too; a malformed word stays as it is.
    /// </summary>
    public static string Decode(string text)
    {
        if (!text.Contains("=?", StringComparison.Ordinal))
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        var pending = new List<byte>();
        string? pendingCharset = null;
        var plainStart = 0;
        var lastWordEnd = -1;
        var i = 0;
        while (i < text.Length)
        {
            var start = text.IndexOf("=?", i, StringComparison.Ordinal);
            if (start < 0)
            {
                break;
            }
            if (!TryParseWord(text, start, out var end, out var charset, out var bytes))
            {
                i = start + 2;
                continue;
            }
            var between = text.AsSpan(plainStart, start - plainStart);
            if (lastWordEnd != plainStart || !between.IsWhiteSpace())
            {
                Flush();
                sb.Append(between);
            }
            if (pendingCharset is not null && !string.Equals(pendingCharset, charset, StringComparison.OrdinalIgnoreCase))
            {
                Flush();
            }
            pending.AddRange(bytes);
            pendingCharset = charset;
            i = plainStart = lastWordEnd = end;
        }
        Flush();
        sb.Append(text.AsSpan(plainStart));
        return sb.ToString();

        void Flush()
        {
            if (pendingCharset is not null)
            {
                sb.Append(Charsets.Decode(pending.ToArray(), pendingCharset));
                pending.Clear();
                pendingCharset = null;
            }
        }
    }

    /// <summary>
    /// One encoded word at <paramref name="start"/>: <c>charset</c> (with an optional RFC 2231 <c>*language</c>),
    /// encoding B or Q, and encoded text without white space or "?".
    /// </summary>
    private static bool TryParseWord(string text, int start, out int end, out string charset, out byte[] bytes)
    {
        end = 0;
        charset = "";
        bytes = [];
        var q1 = text.IndexOf('?', start + 2);
        if (q1 < 0 || q1 == start + 2 || q1 + 2 >= text.Length || text[q1 + 2] != '?')
        {
            return false;
        }
        var encoding = char.ToUpperInvariant(text[q1 + 1]);
        if (encoding is not ('B' or 'Q'))
        {
            return false;
        }
        var textStart = q1 + 3;
        var close = text.IndexOf("?=", textStart, StringComparison.Ordinal);
        if (close < 0)
        {
            return false;
        }
        var encoded = text.AsSpan(textStart, close - textStart);
        var name = text.AsSpan(start + 2, q1 - start - 2);
        if (encoded.ContainsAny(" \t\r\n") || name.ContainsAny(" \t\r\n\"()<>,;:"))
        {
            return false;
        }
        var star = name.IndexOf('*');
        charset = (star >= 0 ? name[..star] : name).ToString();
        var ascii = new byte[encoded.Length];
        for (var k = 0; k < encoded.Length; k++)
        {
            ascii[k] = encoded[k] < 0x80 ? (byte)encoded[k] : (byte)'?';
        }
        bytes = encoding == 'B' ? Base64Transfer.Decode(ascii) : DecodeQ(ascii);
        end = close + 2;
        return true;
    }

    /// <summary>RFC 2047 §4.2: the "Q" encoding, quoted-printable where "_" stands for a space.</summary>
    private static byte[] DecodeQ(ReadOnlySpan<byte> input)
    {
        var output = new byte[input.Length];
        var length = 0;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == '_')
            {
                output[length++] = (byte)' ';
            }
            else if (b == '=' && i + 2 < input.Length && QuotedPrintable.HexValue(input[i + 1]) is var hi and >= 0
                && QuotedPrintable.HexValue(input[i + 2]) is var lo and >= 0)
            {
                output[length++] = (byte)(hi << 4 | lo);
                i += 2;
            }
            else
            {
                output[length++] = b;
            }
        }
        return output.AsSpan(0, length).ToArray();
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as UTF-8 encoded words of at most 75 characters each, never splitting
    /// a character. Q is chosen for mostly-ASCII text, B otherwise. The Q form uses only the characters
    /// RFC 2047 §5(3) allows in a phrase, so the words are safe in display names as well as in Subject.
    /// </summary>
    public static IReadOnlyList<string> Encode(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var unsafeCount = 0;
        foreach (var b in utf8)
        {
            if (!IsQSafe(b))
            {
                unsafeCount++;
            }
        }
        var useQ = unsafeCount * 3 <= utf8.Length;
        const string prefixQ = "=?utf-8?q?";
        const string prefixB = "=?utf-8?b?";
        var room = MaxWordLength - prefixQ.Length - 2;
        var words = new List<string>();
        var chunk = new List<byte>();
        var chunkLength = 0;
        Span<byte> runeBytes = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(runeBytes);
            var cost = 0;
            for (var k = 0; k < n; k++)
            {
                cost += useQ ? (IsQSafe(runeBytes[k]) || runeBytes[k] == ' ' ? 1 : 3) : 0;
            }
            var newLength = useQ ? chunkLength + cost : (chunk.Count + n + 2) / 3 * 4;
            if (newLength > room && chunk.Count > 0)
            {
                Emit();
                newLength = useQ ? cost : (n + 2) / 3 * 4;
            }
            for (var k = 0; k < n; k++)
            {
                chunk.Add(runeBytes[k]);
            }
            chunkLength = newLength;
        }
        if (chunk.Count > 0)
        {
            Emit();
        }
        return words;

        void Emit()
        {
            if (useQ)
            {
                var sb = new StringBuilder(prefixQ);
                foreach (var b in chunk)
                {
                    if (b == ' ')
                    {
                        sb.Append('_');
                    }
                    else if (IsQSafe(b))
                    {
                        sb.Append((char)b);
                    }
                    else
                    {
                        sb.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
                words.Add(sb.Append("?=").ToString());
            }
            else
            {
                words.Add(prefixB + Convert.ToBase64String(chunk.ToArray()) + "?=");
            }
            chunk.Clear();
            chunkLength = 0;
        }
    }

    /// <summary>RFC 2047 §5(3): "upper and lower case ASCII letters, decimal digits, "!", "*", "+", "-", "/"".</summary>
    private static bool IsQSafe(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/';
}
