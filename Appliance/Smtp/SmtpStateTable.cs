namespace Appliance.Smtp;

public enum SmtpState
{
    /// <summary>Greeting sent; EHLO or HELO expected.</summary>
    Connected,
    /// <summary>EHLO/HELO done, no mail transaction.</summary>
    Ready,
    /// <summary>MAIL accepted; RCPT expected.</summary>
    Mail,
    /// <summary>At least one RCPT accepted; more RCPT, DATA or BDAT.</summary>
    Rcpt,
    /// <summary>Between BDAT chunks (RFC 3030): only BDAT, RSET, NOOP, QUIT.</summary>
    Chunking,
}

/// <summary>Which commands each state accepts; anything else gets 503 (RFC 5321 §4.1.4), from this one table.</summary>
public static class SmtpStateTable
{
    private static readonly SmtpState[] Any = Enum.GetValues<SmtpState>();

    private static readonly Dictionary<string, SmtpState[]> Allowed = new(StringComparer.Ordinal)
    {
        ["EHLO"] = [SmtpState.Connected, SmtpState.Ready, SmtpState.Mail, SmtpState.Rcpt],
        ["HELO"] = [SmtpState.Connected, SmtpState.Ready, SmtpState.Mail, SmtpState.Rcpt],
        ["STARTTLS"] = [SmtpState.Connected, SmtpState.Ready],
        ["AUTH"] = [SmtpState.Ready],
        ["MAIL"] = [SmtpState.Ready],
        ["RCPT"] = [SmtpState.Mail, SmtpState.Rcpt],
        ["DATA"] = [SmtpState.Mail, SmtpState.Rcpt],
        ["BDAT"] = [SmtpState.Mail, SmtpState.Rcpt, SmtpState.Chunking],
        ["RSET"] = Any,
        ["NOOP"] = Any,
        ["QUIT"] = Any,
        ["VRFY"] = [SmtpState.Connected, SmtpState.Ready, SmtpState.Mail, SmtpState.Rcpt],
        ["HELP"] = [SmtpState.Connected, SmtpState.Ready, SmtpState.Mail, SmtpState.Rcpt],
    };

    public static bool IsKnown(string verb) => Allowed.ContainsKey(verb);

    public static bool Accepts(SmtpState state, string verb) => Allowed.TryGetValue(verb, out var states) && states.Contains(state);
}
