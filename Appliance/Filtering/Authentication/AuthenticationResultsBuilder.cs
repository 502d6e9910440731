using System.Text;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Spf;

namespace Appliance.Filtering.Authentication;

/// <summary>
/// Writes the one Authentication-Results field (RFC 8601 §2.2) this server adds to a message it accepts:
/// <c>authserv-id; resinfo; resinfo</c>, with spf, dkim, arc and dmarc in the order they are added. Each resinfo
/// starts a folded line, and a line longer than <see cref="LineLength"/> is folded at a space between tokens (never
/// inside a quoted string), so that the field reads well and stays inside RFC 5322 §2.1.1's 78 characters.
/// </summary>
public sealed class AuthenticationResultsBuilder
{
    public const string FieldName = "Authentication-Results";

    /// <summary>RFC 5322 §2.1.1: lines SHOULD be no more than 78 characters, CRLF not counted.</summary>
    public const int LineLength = 78;

    private readonly List<string> _results = [];

    /// <param name="authservId">This server's host name: the authserv-id that marks the field as ours (RFC 8601 §2.5).</param>
    public AuthenticationResultsBuilder(string authservId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authservId);
        if (!IsToken(authservId))
        {
            throw new ArgumentException($"'{authservId}' is not a token an authserv-id can be (RFC 8601 §2.2).", nameof(authservId));
        }
        AuthservId = authservId;
    }

    public string AuthservId { get; }

    public IReadOnlyList<string> Results => _results;

    /// <summary>A resinfo as the method wrote it, e.g. <c>iprev=pass policy.iprev=192.0.2.1</c>.</summary>
    public AuthenticationResultsBuilder Add(string resinfo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resinfo);
        if (resinfo.Any(c => c is '\r' or '\n') || resinfo.Contains(';', StringComparison.Ordinal) && !HasSemicolonOnlyInsideQuotesOrComments(resinfo))
        {
            throw new ArgumentException("A resinfo is one line with no ';' outside quotes and comments.", nameof(resinfo));
        }
        _results.Add(resinfo.Trim());
        return this;
    }

    /// <summary>spf=… smtp.mailfrom=… or smtp.helo=… (RFC 8601 §2.7.2).</summary>
    public AuthenticationResultsBuilder AddSpf(SpfResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Add(result.ToAuthenticationResults());
    }

    /// <summary>One dkim=… per signature, or dkim=none for an unsigned message (RFC 8601 §2.7.1).</summary>
    public AuthenticationResultsBuilder AddDkim(DkimVerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var resinfo in result.ToAuthenticationResults())
        {
            Add(resinfo);
        }
        return this;
    }

    /// <summary>arc=pass, fail or none (RFC 8617 §10.1), with the reason as a comment.</summary>
    public AuthenticationResultsBuilder AddArc(ArcVerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var keyword = result.Result.ToString().ToLowerInvariant();
        return Add(result.Reason is null ? $"arc={keyword}" : $"arc={keyword} ({Comment(result.Reason)})");
    }

    /// <summary>dmarc=… header.from=… (RFC 7489 §11.2).</summary>
    public AuthenticationResultsBuilder AddDmarc(DmarcResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Add(result.ToAuthenticationResults());
    }

    /// <summary>The whole field, name included, folded, ending with CRLF; <c>none</c> when no method was added (RFC 8601 §2.2 no-result).</summary>
    public string Build()
    {
        var text = new StringBuilder();
        text.Append(FieldName).Append(": ").Append(AuthservId).Append(';');
        if (_results.Count == 0)
        {
            text.Append(" none\r\n");
            return text.ToString();
        }
        for (var i = 0; i < _results.Count; i++)
        {
            var last = i == _results.Count - 1;
            AppendFolded(text, "\t" + _results[i] + (last ? "" : ";"));
        }
        return text.Append("\r\n").ToString();
    }

    /// <summary>Starts a new line with <paramref name="line"/> and folds it at spaces outside quoted strings while it is too long.</summary>
    private static void AppendFolded(StringBuilder text, string line)
    {
        while (true)
        {
            text.Append("\r\n");
            if (line.Length <= LineLength)
            {
                text.Append(line);
                return;
            }
            var cut = FoldPoint(line);
            if (cut < 0)
            {
                // One token longer than a line: it stays whole (RFC 5322 allows 998 characters).
                text.Append(line);
                return;
            }
            text.Append(line, 0, cut);
            // The space becomes the fold's white space: CRLF then a tab, so that unfolding leaves one white space.
            line = "\t" + line[(cut + 1)..];
        }
    }

    /// <summary>The last space at or before column 78 outside a quoted string, after the line's leading tab; -1 when there is none.</summary>
    private static int FoldPoint(string line)
    {
        var quoted = false;
        var best = -1;
        for (var i = 1; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '\\')
            {
                i++;
                continue;
            }
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ' ' && !quoted)
            {
                if (i > LineLength)
                {
                    return best > 0 ? best : i;
                }
                best = i;
            }
        }
        return best;
    }

    /// <summary>Text as an RFC 5322 comment body: printable ASCII, no parentheses or backslashes, one line, bounded.</summary>
    public static string Comment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clean = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text)
        {
            var keep = c is > ' ' and <= '~' and not '(' and not ')' and not '\\';
            if (keep)
            {
                clean.Append(c);
            }
            else if (clean.Length > 0 && clean[^1] != ' ')
            {
                // Runs of white space, controls and parentheses become one space.
                clean.Append(' ');
            }
            if (clean.Length >= 200)
            {
                break;
            }
        }
        return clean.ToString().Trim();
    }

    /// <summary>RFC 2045 token (RFC 8601's value): printable ASCII without spaces or tspecials.</summary>
    internal static bool IsToken(string value) =>
        value.Length > 0 && value.All(c => c > ' ' && c < 0x7F && "()<>@,;:\\\"/[]?=".IndexOf(c, StringComparison.Ordinal) < 0);

    private static bool HasSemicolonOnlyInsideQuotesOrComments(string resinfo)
    {
        var quoted = false;
        var depth = 0;
        for (var i = 0; i < resinfo.Length; i++)
        {
            var c = resinfo[i];
            if ((quoted || depth > 0) && c == '\\')
            {
                i++;
            }
            else if (quoted)
            {
                quoted = c != '"';
            }
            else if (c == '"' && depth == 0)
            {
                quoted = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && depth > 0)
            {
                depth--;
            }
            else if (c == ';' && depth == 0)
            {
                return false;
            }
        }
        return true;
    }
}
