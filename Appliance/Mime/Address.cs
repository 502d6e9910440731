using System.Text;

namespace Appliance.Mime;

/// <summary>RFC 5322 §3.4: <c>address = mailbox / group</c>.</summary>
public abstract record Address(string? DisplayName)
{
    /// <summary>The address in its header wire form: display names RFC 2047-encoded when not ASCII.</summary>
    public abstract string ToHeaderString();
}

/// <summary>
/// RFC 5322 §3.4: <c>mailbox = name-addr / addr-spec</c>, <c>addr-spec = local-part "@" domain</c>. The local part
/// is kept unquoted; <see cref="AddrSpec"/> quotes it again when it is not a dot-atom. Domain is "" for a bare
/// local part (<c>To: undisclosed-recipients</c>).
/// </summary>
public sealed record MailboxAddress(string? DisplayName, string LocalPart, string Domain) : Address(DisplayName)
{
    public MailboxAddress(string? displayName, string addrSpec)
        : this(displayName, Split(addrSpec).Local, Split(addrSpec).Domain)
    {
    }

    /// <summary>The obsolete source route of <c>&lt;@a,@b:user@c&gt;</c> ("@a,@b"), for IMAP's addr-adl; null when absent.</summary>
    public string? Route { get; init; }

    /// <summary><c>local@domain</c>, the local part quoted if needed (RFC 5322 §3.4.1).</summary>
    public string AddrSpec => (IsDotAtom(LocalPart) ? LocalPart : StructuredText.Quote(LocalPart)) + (Domain.Length > 0 ? "@" + Domain : "");

    public override string ToHeaderString() =>
        DisplayName is null || string.IsNullOrWhiteSpace(DisplayName) ? AddrSpec : HeaderFolding.EncodePhrase(DisplayName) + " <" + AddrSpec + ">";

    public override string ToString() => string.IsNullOrWhiteSpace(DisplayName) ? AddrSpec : DisplayName + " <" + AddrSpec + ">";

    private static (string Local, string Domain) Split(string addrSpec)
    {
        var at = addrSpec.LastIndexOf('@');
        return at < 0 ? (addrSpec, "") : (addrSpec[..at], addrSpec[(at + 1)..]);
    }

    /// <summary>RFC 5322 §3.2.3: <c>dot-atom-text = 1*atext *("." 1*atext)</c>.</summary>
    private static bool IsDotAtom(string s)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.' || s.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        return s.All(c => c == '.' || StructuredText.IsAText(c));
    }
}

/// <summary>RFC 5322 §3.4: <c>group = display-name ":" [group-list] ";" [CFWS]</c>.</summary>
public sealed record GroupAddress(string DisplayName, IReadOnlyList<MailboxAddress> Members) : Address(DisplayName)
{
    public override string ToHeaderString()
    {
        var sb = new StringBuilder(HeaderFolding.EncodePhrase(DisplayName ?? "")).Append(':');
        for (var i = 0; i < Members.Count; i++)
        {
            sb.Append(i == 0 ? " " : ", ").Append(Members[i].ToHeaderString());
        }
        return sb.Append(';').ToString();
    }

    public override string ToString() => DisplayName + ": " + string.Join(", ", Members) + ";";
}
