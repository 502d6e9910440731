using System.Text;
using System.Globalization;
using MimeKit;

namespace Appliance.Filtering.Dmarc;

/// <summary>What the RFC5322.From field gave DMARC to check (RFC 7489 §6.6.1).</summary>
public enum DmarcAuthorStatus
{
    /// <summary>One From field whose addresses are all in one domain: <see cref="DmarcAuthor.Domain"/> is it.</summary>
    Found,
    /// <summary>No From field (RFC 5322 §3.6 requires one).</summary>
    Missing,
    /// <summary>More than one From field.</summary>
    SeveralFields,
    /// <summary>One From field with addresses in more than one domain (§6.6.1: such messages are "typically rejected").</summary>
    SeveralDomains,
    /// <summary>A From field with no address that has a domain (a group alone, a bare name, unparseable text, a bad domain).</summary>
    Unusable,
}

/// <summary>The author domain of a message, or why there is none to check.</summary>
public sealed record DmarcAuthor(DmarcAuthorStatus Status, string? Domain, string Reason)
{
    /// <summary>An author domain given directly (lowercase A-labels are made of it).</summary>
    public static DmarcAuthor FromDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return TryNormalize(domain, out var normalized)
            ? new(DmarcAuthorStatus.Found, normalized, "")
            : new(DmarcAuthorStatus.Unusable, null, $"'{domain}' is not a domain name");
    }

    /// <summary>
    /// Reads the header block of <paramref name="message"/> (the body is not parsed) and finds its From field(s).
    /// Several addresses of one domain count as that domain (§6.6.1 lets a receiver evaluate it once).
    /// </summary>
    public static DmarcAuthor FromMessage(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        // One linear pass over the header block for the From fields: a message with 200,000 folded lines in To must
        // cost no more than reading them (a full header parse of such a block took minutes, issue 12's mail bombs).
        var from = new List<byte[]>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = span[position..].IndexOf((byte)'\n');
            var lineEnd = end < 0 ? span.Length : position + end + 1;
            var line = span[position..lineEnd];
            if (line.Length == 0 || line[0] == '\r' || line[0] == '\n')
            {
                break;
            }
            if (line.Length > 5 && Ascii.EqualsIgnoreCase(line[..5], "From:"u8))
            {
                // The field runs on over the lines that start with white space (RFC 5322 §2.2.3).
                var fieldEnd = lineEnd;
                while (fieldEnd < span.Length && (span[fieldEnd] == ' ' || span[fieldEnd] == '\t'))
                {
                    var next = span[fieldEnd..].IndexOf((byte)'\n');
                    fieldEnd = next < 0 ? span.Length : fieldEnd + next + 1;
                    if (fieldEnd - position > MaxFromBytes)
                    {
                        return new(DmarcAuthorStatus.Unusable, null, "the From field is too long to read");
                    }
                }
                from.Add(span[(position + 5)..fieldEnd].ToArray());
                lineEnd = fieldEnd;
            }
            position = lineEnd;
        }
        if (from.Count == 0)
        {
            return new(DmarcAuthorStatus.Missing, null, "the message has no From field");
        }
        if (from.Count > 1)
        {
            return new(DmarcAuthorStatus.SeveralFields, null, string.Create(CultureInfo.InvariantCulture, $"the message has {from.Count} From fields"));
        }
        return FromFieldValue(from[0]);
    }

    /// <summary>The longest From field read, folded lines and all: a real one is a few hundred bytes.</summary>
    public const int MaxFromBytes = 64 * 1024;

    /// <summary>The domain of one From field's raw value (as it stands after "From:", folded or not).</summary>
    public static DmarcAuthor FromFieldValue(byte[] rawValue)
    {
        ArgumentNullException.ThrowIfNull(rawValue);
        if (!InternetAddressList.TryParse(ParserOptions.Default, rawValue, out var list))
        {
            return new(DmarcAuthorStatus.Unusable, null, "the From field cannot be parsed");
        }
        // Only mailboxes count: an address inside a group is not the author (RFC 5322 §3.6.2 mailbox-list).
        var mailboxes = list.OfType<MailboxAddress>().ToList();
        if (mailboxes.Count == 0)
        {
            return new(DmarcAuthorStatus.Unusable, null, "the From field has no mailbox address");
        }
        var domains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mailbox in mailboxes)
        {
            if (!TryNormalize(mailbox.Domain ?? "", out var domain))
            {
                return new(DmarcAuthorStatus.Unusable, null, $"the From address '{mailbox.Address}' has no valid domain");
            }
            domains.Add(domain);
        }
        return domains.Count == 1
            ? new(DmarcAuthorStatus.Found, domains.First(), "")
            : new(DmarcAuthorStatus.SeveralDomains, null, $"the From field has addresses in {domains.Count} domains: {string.Join(", ", domains.Order(StringComparer.Ordinal))}");
    }

    /// <summary>A DNS name to look up: lowercase A-labels, no final dot, at least two labels (a single label has no _dmarc. record in any public zone).</summary>
    internal static bool TryNormalize(string domain, out string normalized)
    {
        normalized = "";
        if (!Dns.DnsName.TryNormalize(domain, out var name) || name.StartsWith('[') || !name.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }
        if (name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')) || name.Split('.').Any(l => l.Length == 0))
        {
            return false;
        }
        normalized = name.ToLowerInvariant();
        return true;
    }
}
