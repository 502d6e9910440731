using System.Text;

namespace Appliance.Mime;

/// <summary>
/// RFC 5322 §3.4 address lists: <c>address-list = (address *("," address)) / obs-addr-list</c>, parsed leniently over
/// the unfolded field value: comments are skipped, obsolete routes (<c>obs-route = obs-domain-list ":"</c>) kept apart from the address,
/// empty list members (<c>obs-addr-list</c>) ignored, RFC 2047 words in display names decoded on request.
/// </summary>
public static class AddressParser
{
    /// <summary>Parses an address list; <paramref name="decode"/> false keeps encoded words as they are (IMAP ENVELOPE).</summary>
    public static IReadOnlyList<Address> ParseList(string text, bool decode = true)
    {
        var result = new List<Address>();
        var pos = 0;
        while (pos < text.Length)
        {
            StructuredText.SkipCfws(text, ref pos);
            if (pos >= text.Length)
            {
                break;
            }
            if (text[pos] is ',' or ';' or '>' or ')' or '\\')
            {
                pos++;
                continue;
            }
            var before = pos;
            if (ParseAddress(text, ref pos, decode, allowGroup: true) is { } address)
            {
                result.Add(address);
            }
            if (pos == before)
            {
                pos++;
            }
        }
        return result;
    }

    /// <summary>The mailboxes of an address list with groups flattened: (display name, local@domain) pairs.</summary>
    public static IReadOnlyList<MailboxAddress> ParseMailboxes(string text, bool decode = true) =>
        ParseList(text, decode).SelectMany(a => a is GroupAddress g ? g.Members : [(MailboxAddress)a]).ToList();

    /// <summary>
    /// <c>address = mailbox / group</c>, <c>name-addr = [display-name] angle-addr</c>,
    /// <c>angle-addr = [CFWS] "&lt;" addr-spec "&gt;" [CFWS] / obs-angle-addr</c>.
    /// </summary>
    private static Address? ParseAddress(string s, ref int pos, bool decode, bool allowGroup)
    {
        var words = new List<string>();
        while (true)
        {
            StructuredText.SkipCfws(s, ref pos);
            if (pos >= s.Length)
            {
                return words.Count == 0 ? null : new MailboxAddress(null, string.Concat(words), "");
            }
            var c = s[pos];
            switch (c)
            {
                case '"':
                    words.Add(StructuredText.ReadQuotedString(s, ref pos));
                    continue;
                case '<':
                    pos++;
                    var mailbox = ParseAngleAddr(s, ref pos);
                    return mailbox with { DisplayName = Phrase(words, decode) };
                case ':' when allowGroup:
                    pos++;
                    return ParseGroup(s, ref pos, Phrase(words, decode) ?? "", decode);
                case '@':
                    pos++;
                    var domain = ReadDomain(s, ref pos);
                    return new MailboxAddress(TrailingComment(s, ref pos, decode), string.Concat(words), domain);
                case ',' or ';':
                    return words.Count == 0 ? null : new MailboxAddress(null, string.Concat(words), "");
                case '.':
                    words.Add(".");
                    pos++;
                    continue;
                default:
                    var atom = ReadAtom(s, ref pos);
                    if (atom.Length == 0)
                    {
                        // A stray special (">", ")", "[", ":" in a group): skip it.
                        pos++;
                    }
                    else
                    {
                        words.Add(atom);
                    }
                    continue;
            }
        }
    }

    /// <summary><c>group-list = mailbox-list / CFWS / obs-group-list</c>, up to ";" or the end.</summary>
    private static GroupAddress ParseGroup(string s, ref int pos, string name, bool decode)
    {
        var members = new List<MailboxAddress>();
        while (pos < s.Length)
        {
            StructuredText.SkipCfws(s, ref pos);
            if (pos >= s.Length)
            {
                break;
            }
            if (s[pos] == ';')
            {
                pos++;
                break;
            }
            if (s[pos] == ',')
            {
                pos++;
                continue;
            }
            var before = pos;
            if (ParseAddress(s, ref pos, decode, allowGroup: false) is MailboxAddress m)
            {
                members.Add(m);
            }
            if (pos == before)
            {
                pos++;
            }
        }
        return new GroupAddress(name, members);
    }

    /// <summary>
    /// After "&lt;": <c>obs-angle-addr = [CFWS] "&lt;" obs-route addr-spec "&gt;" [CFWS]</c>,
    /// <c>obs-route = obs-domain-list ":"</c>. The route is kept: IMAP reports it as addr-adl (RFC 3501 §7.4.2), which
    /// was NIL before Dovecot showed the difference.
    /// </summary>
    private static MailboxAddress ParseAngleAddr(string s, ref int pos)
    {
        StructuredText.SkipCfws(s, ref pos);
        string? route = null;
        if (pos < s.Length && s[pos] == '@')
        {
            var colon = s.IndexOf(':', pos);
            var close = s.IndexOf('>', pos);
            if (colon >= 0 && (close < 0 || colon < close))
            {
                route = string.Concat(s[pos..colon].Where(c => c is not (' ' or '\t')));
                pos = colon + 1;
            }
        }
        var local = new StringBuilder();
        var domain = "";
        while (pos < s.Length)
        {
            StructuredText.SkipCfws(s, ref pos);
            if (pos >= s.Length)
            {
                break;
            }
            var c = s[pos];
            if (c == '>')
            {
                pos++;
                break;
            }
            if (c == '@')
            {
                pos++;
                domain = ReadDomain(s, ref pos);
                continue;
            }
            if (c == '"')
            {
                local.Append(StructuredText.ReadQuotedString(s, ref pos));
            }
            else if (c == '.')
            {
                local.Append('.');
                pos++;
            }
            else if (ReadAtom(s, ref pos) is { Length: > 0 } atom)
            {
                local.Append(atom);
            }
            else if (c is ',' or ';' or '<')
            {
                // An unclosed angle-addr: leave the separator to the list.
                break;
            }
            else
            {
                pos++;
            }
        }
        return new MailboxAddress(null, local.ToString(), domain) { Route = route };
    }

    /// <summary>
    /// <c>domain = dot-atom / domain-literal / obs-domain</c>; <c>obs-domain = atom *("." atom)</c> with CFWS between. The
    /// CFWS after the domain is left to the caller (<see cref="TrailingComment"/> reads a name from it).
    /// </summary>
    private static string ReadDomain(string s, ref int pos)
    {
        var sb = new StringBuilder();
        while (true)
        {
            var beforeCfws = pos;
            StructuredText.SkipCfws(s, ref pos);
            if (pos >= s.Length)
            {
                pos = beforeCfws;
                break;
            }
            if (s[pos] == '[')
            {
                var close = s.IndexOf(']', pos);
                var end = close < 0 ? s.Length : close + 1;
                sb.Append(s, pos, end - pos);
                pos = end;
                continue;
            }
            if (s[pos] == '.')
            {
                sb.Append('.');
                pos++;
                continue;
            }
            var atom = ReadAtom(s, ref pos);
            if (atom.Length == 0 || (sb.Length > 0 && sb[^1] != '.'))
            {
                // Two atoms without a dot between them: the second belongs to whatever follows.
                pos = beforeCfws;
                break;
            }
            sb.Append(atom);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The personal name of an old-style <c>addr-spec (Real Name)</c>: the last comment in the CFWS after a bare addr-spec,
    /// its quoted-pairs resolved (and its encoded words decoded on request, RFC 2047 §5(2)); null when there is none.
    /// RFC 5322 gives such a mailbox no display name, but RFC 822 senders (cron, mailing-list software, old MTAs) write
    /// the name there, and Dovecot and c-client report it as the ENVELOPE's addr-name, which is what a client shows in
    /// its message list: we do the same, so the name is not lost. A comment inside the address is no name (Dovecot
    /// takes it too; c-client, like us, does not), nor one after an angle-addr, whose phrase is the name.
    /// </summary>
    private static string? TrailingComment(string s, ref int pos, bool decode)
    {
        string? comment = null;
        while (pos < s.Length)
        {
            var c = s[pos];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pos++;
                continue;
            }
            if (c != '(')
            {
                break;
            }
            var start = pos;
            StructuredText.SkipComment(s, ref pos);
            var sb = new StringBuilder();
            var end = s[pos - 1] == ')' && pos - 1 > start ? pos - 1 : pos;
            for (var i = start + 1; i < end; i++)
            {
                sb.Append(s[i] == '\\' && i + 1 < end ? s[++i] : s[i]);
            }
            var text = sb.ToString().Trim();
            comment = text.Length == 0 ? comment : text;
        }
        return comment is not null && decode ? EncodedWords.Decode(comment) : comment;
    }

    /// <summary>
    /// <c>atom = [CFWS] 1*atext [CFWS]</c>. An encoded word is read whole even when it holds specials that
    /// RFC 2047 §5(3) forbids in a phrase ("=?utf-8?Q?Doe,_J.?="), as senders write them.
    /// </summary>
    private static string ReadAtom(string s, ref int pos)
    {
        var start = pos;
        while (pos < s.Length)
        {
            if (s[pos] == '=' && pos + 1 < s.Length && s[pos + 1] == '?' && EncodedWordEnd(s, pos) is var end and > 0)
            {
                pos = end;
            }
            else if (StructuredText.IsAText(s[pos]))
            {
                pos++;
            }
            else
            {
                break;
            }
        }
        return s[start..pos];
    }

    private static int EncodedWordEnd(string s, int pos)
    {
        var q1 = s.IndexOf('?', pos + 2);
        var q2 = q1 < 0 ? -1 : s.IndexOf('?', q1 + 1);
        var close = q2 < 0 ? -1 : s.IndexOf("?=", q2 + 1, StringComparison.Ordinal);
        if (close < 0 || s.AsSpan(pos, close - pos).ContainsAny(" \t\"<>"))
        {
            return -1;
        }
        return close + 2;
    }

    /// <summary><c>display-name = phrase</c>; words joined by single spaces, "." attached (<c>obs-phrase</c>).</summary>
    private static string? Phrase(List<string> words, bool decode)
    {
        if (words.Count == 0)
        {
            return null;
        }
        var sb = new StringBuilder();
        foreach (var word in words)
        {
            if (sb.Length > 0 && word != ".")
            {
                sb.Append(' ');
            }
            sb.Append(word);
        }
        var text = sb.ToString();
        return decode ? EncodedWords.Decode(text) : text;
    }
}
