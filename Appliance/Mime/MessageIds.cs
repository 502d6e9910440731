using System.Text;

namespace Appliance.Mime;

/// <summary>
/// The msg-ids of a Message-ID, In-Reply-To or References field (RFC 5322 §3.6.4), for threading, for the summaries
/// and for the reply's own header. One rule, so that what the list threads by and what a reply writes agree:
/// <list type="bullet">
/// <item><c>msg-id = [CFWS] "&lt;" id-left "@" id-right "&gt;" [CFWS]</c>: each bracketed id, in order, returned as
/// <c>&lt;id-left@id-right&gt;</c>. CFWS inside the brackets (the obsolete <c>obs-id-left = local-part</c> allows it,
/// and a folded References can split an id) is removed; comments and quoted strings outside them are skipped, so a
/// "&lt;" in a comment or in the phrase an old In-Reply-To carries (<c>obs-in-reply-to</c>) is not an id.</item>
/// <item>In a field without any "&lt;", bare words that look like <c>id-left@id-right</c> (atext, dots, one "@") are
/// taken and bracketed: some clients write <c>Message-ID: abc@host</c>, and replies to them quote it bracketed.
/// Other words (a phrase, a date) are not ids.</item>
/// <item>An id with white space, control characters or another "&lt;" left inside, or an empty one, is dropped, as is
/// one longer than <see cref="MaxIdLength"/>: nothing taken from a received message can break a header line of ours.</item>
/// </list>
/// Pure and total: any string (or null) gives a list, possibly empty; never throws.
/// </summary>
public static class MessageIds
{
    /// <summary>
    /// Characters of one id, brackets included. RFC 5322 §2.1.1 limits a line to 998; an id that long cannot be
    /// written back on one line of References after the field name, so it is not an id a reply could carry.
    /// </summary>
    public const int MaxIdLength = 900;

    /// <summary>Every msg-id of <paramref name="field"/>, in order, duplicates kept (References may repeat one).</summary>
    public static IReadOnlyList<string> Parse(string? field)
    {
        var ids = new List<string>();
        if (string.IsNullOrEmpty(field))
        {
            return ids;
        }
        var pos = 0;
        while (pos < field.Length)
        {
            StructuredText.SkipCfws(field, ref pos);
            if (pos >= field.Length)
            {
                break;
            }
            var c = field[pos];
            if (c == '"')
            {
                StructuredText.ReadQuotedString(field, ref pos);
            }
            else if (c == '<')
            {
                if (ReadBracketed(field, ref pos) is { } id)
                {
                    ids.Add(id);
                }
            }
            else
            {
                pos++;
            }
        }
        if (!field.Contains('<', StringComparison.Ordinal))
        {
            BareWords(field, ids);
        }
        return ids;
    }

    /// <summary>The first msg-id of <paramref name="field"/>, or null: what Message-ID and In-Reply-To are read as.</summary>
    public static string? First(string? field) => Parse(field) is [var first, ..] ? first : null;

    /// <summary>From the "&lt;" at <paramref name="pos"/> to its "&gt;": the id with CFWS removed, or null when it is none.</summary>
    private static string? ReadBracketed(string s, ref int pos)
    {
        var id = new StringBuilder("<");
        pos++;
        var valid = true;
        while (pos < s.Length)
        {
            var c = s[pos];
            if (c == '>')
            {
                pos++;
                id.Append('>');
                return valid && id.Length > 2 && id.Length <= MaxIdLength ? id.ToString() : null;
            }
            if (c == '<')
            {
                // A second opening bracket: the first one opened nothing; start again from here.
                return null;
            }
            if (c is ' ' or '\t' or '\r' or '\n' or '(')
            {
                StructuredText.SkipCfws(s, ref pos);
                continue;
            }
            if (c == '"')
            {
                // obs-id-left = local-part: a quoted local part is kept as written (with its quotes) if it needs no space.
                var start = pos;
                StructuredText.ReadQuotedString(s, ref pos);
                var quoted = s[start..pos];
                valid &= !quoted.Any(IsForbidden);
                id.Append(quoted);
                continue;
            }
            valid &= !IsForbidden(c);
            id.Append(c);
            pos++;
        }
        // Unclosed: not an id.
        return null;
    }

    private static bool IsForbidden(char c) => c <= ' ' || c == 127 || c is '<' or '>';

    /// <summary>Words of the form <c>atoms@atoms</c> in a field that has no bracketed id, each bracketed.</summary>
    private static void BareWords(string s, List<string> ids)
    {
        var pos = 0;
        while (pos < s.Length)
        {
            StructuredText.SkipCfws(s, ref pos);
            var start = pos;
            while (pos < s.Length && (StructuredText.IsAText(s[pos]) || s[pos] is '.' or '@'))
            {
                pos++;
            }
            if (pos == start)
            {
                // A special (a comma, a quote, a bracket left open): skip it, and any quoted string it opens.
                if (pos < s.Length && s[pos] == '"')
                {
                    StructuredText.ReadQuotedString(s, ref pos);
                }
                else
                {
                    pos++;
                }
                continue;
            }
            var word = s.AsSpan(start, pos - start);
            var at = word.IndexOf('@');
            if (at > 0 && at < word.Length - 1 && word[(at + 1)..].IndexOf('@') < 0 && word.Length + 2 <= MaxIdLength)
            {
                ids.Add("<" + word.ToString() + ">");
            }
        }
    }
}
