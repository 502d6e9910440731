using System.Text;

namespace Appliance.Mime;

/// <summary>
/// The base subject of RFC 5256 §2.1, which SORT SUBJECT compares and both THREAD algorithms group by:
/// the decoded subject with white space collapsed, without "(fwd)" trailers, "Re:"/"Fw:"/"Fwd:" leaders (with
/// "[blob]"s before or inside them), a leading "[blob]" that does not make up the whole subject, and a
/// "[fwd: ...]" wrapper, each removed as often as it appears. Pure; never throws.
/// </summary>
public static class BaseSubject
{
    /// <summary>The base subject of a decoded subject (null is empty).</summary>
    public static string Extract(string? subject) => Extract(subject, out _);

    /// <summary>
    /// The base subject, and whether extracting it removed a reply or forward marker (a <c>subj-refwd</c>, a
    /// "(fwd)" trailer or a "[fwd: ...]" wrapper): THREAD=REFERENCES (RFC 5256 §3, step 5) prefers the message
    /// that is not one as the parent of its subject's thread.
    /// </summary>
    public static string Extract(string? subject, out bool isReplyOrForward)
    {
        // (1) Decoded already; tabs and folding to one space, runs of spaces to one.
        var text = Collapse(subject ?? "");
        isReplyOrForward = false;
        while (true)
        {
            // (2) subj-trailer = "(fwd)" / WSP, from the end, repeatedly.
            while (true)
            {
                if (text.EndsWith(' '))
                {
                    text = text[..^1];
                }
                else if (text.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    text = text[..^5];
                    isReplyOrForward = true;
                }
                else
                {
                    break;
                }
            }
            // (3) subj-leader, (4) a leading subj-blob, (5) until neither changes anything.
            bool changed;
            do
            {
                changed = false;
                while (StripLeader(ref text, ref isReplyOrForward))
                {
                    changed = true;
                }
                if (Blob(text, 0) is { } end && end < text.Length)
                {
                    text = text[end..];
                    changed = true;
                }
            }
            while (changed);
            // (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]": unwrap and start again at (2).
            if (text.Length >= 6 && text.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && text.EndsWith(']'))
            {
                text = text[5..^1];
                isReplyOrForward = true;
                continue;
            }
            return text;
        }
    }

    /// <summary>
    /// <c>subj-leader = (*subj-blob subj-refwd) / WSP</c>, <c>subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"</c>.
    /// </summary>
    private static bool StripLeader(ref string text, ref bool isReplyOrForward)
    {
        if (text.StartsWith(' '))
        {
            text = text[1..];
            return true;
        }
        var pos = 0;
        while (Blob(text, pos) is { } next)
        {
            pos = next;
        }
        int word;
        if (At(text, pos, "re"))
        {
            word = 2;
        }
        else if (At(text, pos, "fwd"))
        {
            word = 3;
        }
        else if (At(text, pos, "fw"))
        {
            word = 2;
        }
        else
        {
            return false;
        }
        pos += word;
        while (pos < text.Length && text[pos] == ' ')
        {
            pos++;
        }
        if (Blob(text, pos) is { } afterBlob)
        {
            pos = afterBlob;
        }
        if (pos >= text.Length || text[pos] != ':')
        {
            return false;
        }
        text = text[(pos + 1)..];
        isReplyOrForward = true;
        return true;
    }

    /// <summary>
    /// <c>subj-blob = "[" *BLOBCHAR "]" *WSP</c> at <paramref name="pos"/>, BLOBCHAR being any character but "[" and "]":
    /// where it ends, or null when there is none.
    /// </summary>
    private static int? Blob(string text, int pos)
    {
        if (pos >= text.Length || text[pos] != '[')
        {
            return null;
        }
        var close = pos + 1;
        while (close < text.Length && text[close] is not ('[' or ']'))
        {
            close++;
        }
        if (close >= text.Length || text[close] != ']')
        {
            return null;
        }
        close++;
        while (close < text.Length && text[close] == ' ')
        {
            close++;
        }
        return close;
    }

    private static bool At(string text, int pos, string word) =>
        text.Length - pos >= word.Length && string.Compare(text, pos, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;

    private static string Collapse(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var space = c is ' ' or '\t' or '\r' or '\n';
            if (space && result.Length > 0 && result[^1] == ' ')
            {
                continue;
            }
            result.Append(space ? ' ' : c);
        }
        return result.ToString();
    }
}
