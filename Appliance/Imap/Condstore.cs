using System.Globalization;

namespace Appliance.Imap;

/// <summary>What turning CONDSTORE on (RFC 7162 §3.1) means for a session, in one place for every enabling command.</summary>
public static class Condstore
{
    public const string Capability = "CONDSTORE";

    public static bool IsEnabled(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Enabled.Contains(Capability);
    }

    /// <summary>
    /// A CONDSTORE-enabling command (SELECT/EXAMINE (CONDSTORE), FETCH MODSEQ or CHANGEDSINCE, STORE UNCHANGEDSINCE,
    /// SEARCH MODSEQ, ENABLE): from now on untagged FETCHes carry UID and MODSEQ. Turned on with a mailbox selected,
    /// the server first says that mailbox's HIGHESTMODSEQ (RFC 7162 §3.1, as Dovecot does).
    /// </summary>
    public static void Enable(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Enabled.Add(Capability) && session.Selected is { } selected)
        {
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [HIGHESTMODSEQ {selected.HighestModseq}] Highest"));
        }
    }
}
