namespace Appliance.Mailstore;

/// <summary>
/// Reads back the first address of a summary's To or Cc text, which <see cref="MessageSummaries"/> writes as
/// "Name &lt;addr&gt;" or "addr", joined by ", " and cut with "…": what IMAP SORT TO, CC and DISPLAYTO need, without
/// reading the message.
/// </summary>
public static class SummaryAddresses
{
    /// <summary>
    /// The first address's display name (empty when it has none) and addr-spec; both empty when the text names no
    /// one. A display name may itself hold ", " ("Doe, John &lt;j@example.com&gt;"): text before the first ", " is
    /// taken as a bare address only when it looks like one (an "@" and no space).
    /// </summary>
    public static (string DisplayName, string AddrSpec) First(string? joined)
    {
        if (string.IsNullOrWhiteSpace(joined) || joined.StartsWith('…'))
        {
            return ("", "");
        }
        var open = joined.IndexOf('<', StringComparison.Ordinal);
        var comma = joined.IndexOf(", ", StringComparison.Ordinal);
        if (open >= 0 && (comma < 0 || open < comma || !LooksLikeAddrSpec(joined[..comma])))
        {
            var close = joined.IndexOf('>', open);
            if (close > open)
            {
                return (joined[..open].Trim(), joined[(open + 1)..close]);
            }
        }
        return ("", (comma >= 0 ? joined[..comma] : joined).Trim());
    }

    /// <summary>The local part of an addr-spec (RFC 5256's addr-mailbox), unquoted.</summary>
    public static string LocalPart(string addrSpec)
    {
        ArgumentNullException.ThrowIfNull(addrSpec);
        var at = addrSpec.LastIndexOf('@');
        var local = at >= 0 ? addrSpec[..at] : addrSpec;
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            local = local[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        return local;
    }

    private static bool LooksLikeAddrSpec(string text) => text.Contains('@', StringComparison.Ordinal) && !text.Contains(' ', StringComparison.Ordinal);
}
