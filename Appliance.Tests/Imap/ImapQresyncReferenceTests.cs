using System.Globalization;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// QRESYNC against Dovecot 2.3 (Debian's dovecot-imapd) as the independent reference: the same mailbox, the same
/// expunges, MOVE and flag changes on a second connection, then a resync with each server's own UIDVALIDITY and
/// HIGHESTMODSEQ. The VANISHED (EARLIER) UIDs, the UIDs and flags of the changed FETCHes, and UID FETCH's VANISHED must
/// agree. Mod-sequence values are each server's own and are not compared.
/// </summary>
public sealed class ImapQresyncReferenceTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;
    private PrivateDovecot _dovecot = null!;

    public async Task InitializeAsync()
    {
        _dovecot = await PrivateDovecot.StartAsync(Password);
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _dovecot.DisposeAsync();
    }

    private async Task<ImapWire> SignInAsync(bool appliance)
    {
        var wire = await ImapWire.ConnectAsync(appliance ? _host.ImapPort : _dovecot.Port);
        if (appliance)
        {
            await wire.CommandAsync("t0", "STARTTLS");
            await wire.StartTlsAsync();
        }
        Assert.StartsWith("t1 OK", (await wire.CommandAsync("t1", $"LOGIN {(appliance ? "bob@example.com" : "bob")} {Password}"))[^1], StringComparison.Ordinal);
        return wire;
    }

    /// <summary>The scenario on one server; returns what a resyncing client is told, without mod-sequence values.</summary>
    private async Task<List<string>> ResyncAsync(bool appliance)
    {
        long validity, modseq;
        await using (var first = await SignInAsync(appliance))
        {
            for (var i = 1; i <= 8; i++)
            {
                await first.CommandAsync("p", $"APPEND INBOX (\\Seen) {{12+}}\r\nSubject: {i}\r\n");
            }
            await first.CommandAsync("a0", "CREATE Elsewhere");
            await first.CommandAsync("a1", "ENABLE QRESYNC");
            var select = await first.CommandAsync("a2", "SELECT INBOX");
            validity = Code(select, "UIDVALIDITY");
            modseq = Code(select, "HIGHESTMODSEQ");
        }
        await using (var second = await SignInAsync(appliance))
        {
            await second.CommandAsync("b1", "SELECT INBOX");
            await second.CommandAsync("b2", "UID STORE 2,5:6 +FLAGS.SILENT (\\Deleted)");
            await second.CommandAsync("b3", "UID EXPUNGE 2,5");
            await second.CommandAsync("b4", "UID MOVE 8 Elsewhere");
            await second.CommandAsync("b5", "UID STORE 3 -FLAGS.SILENT (\\Seen)");
        }
        await using var again = await SignInAsync(appliance);
        await again.CommandAsync("c1", "ENABLE QRESYNC");
        var told = new List<string>();
        told.AddRange(Untagged(await again.CommandAsync("c2", $"SELECT INBOX (QRESYNC ({validity} {modseq}))")));
        told.Add("--");
        told.AddRange(Untagged(await again.CommandAsync("c3", $"EXAMINE INBOX (QRESYNC ({validity} {modseq} 1:7))")));
        told.Add("--");
        told.AddRange(Untagged(await again.CommandAsync("c4", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq} VANISHED)")));
        return told;
    }

    /// <summary>VANISHED lines as they are, FETCH lines as UID and sorted flags (sequence numbers, MODSEQ and \Recent dropped).</summary>
    private static IEnumerable<string> Untagged(List<string> lines)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith("* VANISHED", StringComparison.Ordinal))
            {
                yield return line;
            }
            var fetch = Regex.Match(line, @"^\* \d+ FETCH \(.*?UID (\d+).*?FLAGS \(([^)]*)\)");
            if (fetch.Success)
            {
                yield return $"UID {fetch.Groups[1].Value} FLAGS ({string.Join(' ', fetch.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f != "\\Recent").Order(StringComparer.Ordinal))})";
            }
        }
    }

    private static long Code(IEnumerable<string> lines, string code) =>
        long.Parse(lines.Select(l => Regex.Match(l, $@"^\* OK \[{code} (\d+)\]")).First(m => m.Success).Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Vanished_earlier_and_changed_fetches_agree_with_dovecot()
    {
        var theirs = await ResyncAsync(appliance: false);
        var ours = await ResyncAsync(appliance: true);
        Assert.Contains("* VANISHED (EARLIER) 2,5,8", theirs); // the scenario did what it says on the reference
        Assert.Equal(theirs, ours);
    }
}
