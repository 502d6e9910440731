namespace Appliance.Filtering.Dkim;

/// <summary>
/// RFC 6376 §3.2 tag lists, as DKIM-Signature fields and key records write them:
/// <c>tag-list = tag-spec *( ";" tag-spec ) [ ";" ]</c>,
/// <c>tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]</c>,
/// <c>tag-name = ALPHA *ALNUMPUNC</c> (letters, digits, "_").
/// </summary>
public static class DkimTagList
{
    /// <summary>
    /// Tags by name (case-sensitive, §3.2), values with folding white space removed: inside base64 and
    /// colon lists it carries no meaning, and at the ends §3.2 drops it. False for a malformed list or a
    /// tag named twice (§3.2: "Tags with duplicate names MUST NOT occur").
    /// </summary>
    public static bool TryParse(string text, out IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        tags = result;
        var position = 0;
        while (true)
        {
            SkipFws(text, ref position);
            if (position == text.Length)
            {
                // An empty list, or a trailing ";" (allowed).
                return true;
            }
            var nameStart = position;
            if (!char.IsAsciiLetter(text[position]))
            {
                return false;
            }
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }
            var name = text[nameStart..position];
            SkipFws(text, ref position);
            if (position == text.Length || text[position] != '=')
            {
                return false;
            }
            position++;
            var end = text.IndexOf(';', position);
            if (end < 0)
            {
                end = text.Length;
            }
            var value = RemoveFws(text.AsSpan(position, end - position));
            if (value is null || !result.TryAdd(name, value))
            {
                return false;
            }
            if (end == text.Length)
            {
                return true;
            }
            position = end + 1;
        }
    }

    private static void SkipFws(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t' or '\r' or '\n')
        {
            position++;
        }
    }

    /// <summary>The value without white space; null when it holds a character §3.2's tval cannot (controls, or non-ASCII outside UTF-8 text).</summary>
    private static string? RemoveFws(ReadOnlySpan<char> value)
    {
        var builder = new System.Text.StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }
            if (char.IsControl(c))
            {
                return null;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
