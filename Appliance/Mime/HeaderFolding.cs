using System.Text;

namespace Appliance.Mime;

/// <summary>
/// Writing header fields. RFC 5322 §2.1.1: "Each line of characters MUST be no more than 998 characters, and
/// SHOULD be no more than 78 characters, excluding the CRLF"; §2.2.3: fold by inserting CRLF before white space.
/// </summary>
internal static class HeaderFolding
{
    public const int PreferredLineLength = 78;

    /// <summary>
    /// <c>name ": " value CRLF</c>, folded before white space wherever a line would pass 78 characters. CR and LF in
    /// the value become spaces: a value never starts a new field (header injection).
    /// </summary>
    public static string Fold(string name, string value)
    {
        value = Sanitize(value).Trim();
        var sb = new StringBuilder(name.Length + value.Length + 8);
        sb.Append(name).Append(':');
        var lineLength = sb.Length;
        var pos = 0;
        var first = true;
        while (pos < value.Length)
        {
            var wsStart = pos;
            while (pos < value.Length && value[pos] is ' ' or '\t')
            {
                pos++;
            }
            var wordStart = pos;
            while (pos < value.Length && value[pos] is not (' ' or '\t'))
            {
                pos++;
            }
            var ws = first ? " " : value[wsStart..wordStart];
            var wordLength = pos - wordStart;
            if (!first && lineLength + ws.Length + wordLength > PreferredLineLength)
            {
                sb.Append("\r\n");
                lineLength = 0;
            }
            sb.Append(ws).Append(value, wordStart, wordLength);
            lineLength += ws.Length + wordLength;
            first = false;
        }
        return sb.Append("\r\n").ToString();
    }

    /// <summary>
    /// Unstructured text (RFC 5322 §3.2.5) in its wire form: ASCII words stay, the stretch from the first to the
    /// last word that is non-ASCII or too long to fold becomes RFC 2047 encoded words.
    /// </summary>
    public static string EncodeUnstructured(string value)
    {
        value = Sanitize(value);
        var words = new List<(int Start, int End)>();
        for (var pos = 0; pos < value.Length;)
        {
            while (pos < value.Length && value[pos] is ' ' or '\t')
            {
                pos++;
            }
            var start = pos;
            while (pos < value.Length && value[pos] is not (' ' or '\t'))
            {
                pos++;
            }
            if (pos > start)
            {
                words.Add((start, pos));
            }
        }
        var firstEncoded = words.FindIndex(w => NeedsEncoding(value.AsSpan(w.Start, w.End - w.Start)));
        if (firstEncoded < 0)
        {
            return value;
        }
        var lastEncoded = words.FindLastIndex(w => NeedsEncoding(value.AsSpan(w.Start, w.End - w.Start)));
        var from = words[firstEncoded].Start;
        var to = words[lastEncoded].End;
        return value[..from] + string.Join(' ', EncodedWords.Encode(value[from..to])) + value[to..];
    }

    /// <summary>A display name (RFC 5322 <c>display-name = phrase</c>): atoms as they are, else a quoted-string, else encoded words.</summary>
    public static string EncodePhrase(string name)
    {
        name = Sanitize(name).Trim();
        if (name.Any(c => c >= 127 || c < ' '))
        {
            return string.Join(' ', EncodedWords.Encode(name));
        }
        var atoms = name.All(c => c == ' ' || StructuredText.IsAText(c)) && !name.Contains("  ", StringComparison.Ordinal);
        return atoms && !name.Contains("=?", StringComparison.Ordinal) ? name : StructuredText.Quote(name);
    }

    private static bool NeedsEncoding(ReadOnlySpan<char> word)
    {
        if (word.Length > PreferredLineLength - 10 || (word.StartsWith("=?") && word.EndsWith("?=")))
        {
            return true;
        }
        foreach (var c in word)
        {
            if (c >= 127 || c < ' ')
            {
                return true;
            }
        }
        return false;
    }

    private static string Sanitize(string value) =>
        value.AsSpan().ContainsAny('\r', '\n') ? value.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ') : value;
}
