using System.Globalization;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Imap;

/// <summary>
/// QRESYNC (RFC 7162 §3.2) against the running host: ENABLE, SELECT/EXAMINE (QRESYNC ...), UID FETCH (CHANGEDSINCE n
/// VANISHED), VANISHED instead of EXPUNGE, CLOSED, and a client that keeps its own copy of a mailbox and resyncs it.
/// </summary>
public sealed partial class ImapQresyncTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000");
        foreach (var user in new[] { "transcript", "client", "pruned", "idle", "held", "stale" })
        {
            await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password, user));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user) => ImapWire.SignedInAsync(_host.ImapPort, $"{user}@example.com", Password);

    private static async Task AppendAsync(ImapWire wire, string mailbox, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            Assert.StartsWith("p OK", (await wire.CommandAsync("p", $"APPEND {mailbox} {{12+}}\r\nSubject: {i % 10}\r\n"))[^1], StringComparison.Ordinal);
        }
    }

    private static long Code(IEnumerable<string> lines, string code) =>
        long.Parse(lines.Select(l => Regex.Match(l, $@"^\* OK \[{code} (\d+)\]")).First(m => m.Success).Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Enable_select_fetch_and_expunge_speak_qresync()
    {
        await using var wire = await SignedInAsync("transcript");
        Assert.Contains(" QRESYNC ", (await wire.CommandAsync("a0", "CAPABILITY"))[0], StringComparison.Ordinal);
        await AppendAsync(wire, "INBOX", 4);
        // Without ENABLE QRESYNC its parameters and VANISHED are BAD (RFC 7162 §3.2.5, §3.2.6).
        Assert.Equal(["a1 BAD QRESYNC must be enabled first (ENABLE QRESYNC)"], await wire.CommandAsync("a1", "SELECT INBOX (QRESYNC (1 1))"));
        await wire.CommandAsync("a2", "SELECT INBOX");
        Assert.Equal(["a3 BAD QRESYNC must be enabled first (ENABLE QRESYNC)"], await wire.CommandAsync("a3", "UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)"));
        // ENABLE QRESYNC turns CONDSTORE on too, but says only what was asked (RFC 5161 §3.1).
        Assert.Equal(["* ENABLED QRESYNC", "a4 OK ENABLE completed"], await wire.CommandAsync("a4", "ENABLE QRESYNC"));
        Assert.Equal(["* ENABLED", "a5 OK ENABLE completed"], await wire.CommandAsync("a5", "ENABLE QRESYNC CONDSTORE"));
        Assert.Equal(["a6 BAD VANISHED needs CHANGEDSINCE"], await wire.CommandAsync("a6", "UID FETCH 1:* FLAGS (VANISHED)"));
        Assert.Equal(["a7 BAD VANISHED is for UID FETCH only"], await wire.CommandAsync("a7", "FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)"));

        // Reselecting says CLOSED first (§3.2.11); the QRESYNC answer follows HIGHESTMODSEQ: nothing vanished yet, and the
        // messages changed since modseq 3 (UIDs 3 and 4, appended at modseqs 4 and 5; a2's SELECT took their \\Recent).
        var select = await wire.CommandAsync("b1", "SELECT INBOX (QRESYNC (1 3))");
        Assert.Equal("* OK [CLOSED] Previous mailbox closed", select[0]);
        var validity = Code(select, "UIDVALIDITY");
        Assert.DoesNotContain(select, l => l.StartsWith("* 3 FETCH", StringComparison.Ordinal)); // another UIDVALIDITY: ignored
        select = await wire.CommandAsync("b2", $"SELECT INBOX (QRESYNC ({validity} 3))");
        Assert.Equal(["* OK [HIGHESTMODSEQ 5] Highest", "* 3 FETCH (UID 3 FLAGS () MODSEQ (4))", "* 4 FETCH (UID 4 FLAGS () MODSEQ (5))", "b2 OK [READ-WRITE] SELECT completed"], select[^4..]);

        // This session's expunge is one VANISHED with the UIDs, not an EXPUNGE per message (§3.2.10).
        await wire.CommandAsync("c1", "STORE 2:3 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* VANISHED 2:3", "c2 OK EXPUNGE completed"], await wire.CommandAsync("c2", "EXPUNGE"));
        Assert.Equal(["* OK [HIGHESTMODSEQ 8] Highest"], (await wire.CommandAsync("c3", "SELECT INBOX (CONDSTORE)")).Where(l => l.Contains("HIGHESTMODSEQ", StringComparison.Ordinal)));

        // UID FETCH ... VANISHED: the expunged UIDs of the set since the modseq, before the FETCHes (§3.2.6); "*" reaches
        // past the last message, and a UID set that names only existing messages hears nothing of the others (the expunge
        // took modseq 8).
        await wire.CommandAsync("c4", "STORE 1 +FLAGS.SILENT (\\Flagged)");
        Assert.Equal(["* VANISHED (EARLIER) 2:3", "* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ (9))", "c5 OK UID FETCH completed"],
            await wire.CommandAsync("c5", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 5 VANISHED)"));
        Assert.Equal(["* VANISHED (EARLIER) 3", "c6 OK UID FETCH completed"], await wire.CommandAsync("c6", "UID FETCH 3:4 (FLAGS) (CHANGEDSINCE 7 VANISHED)"));
        Assert.Equal(["c7 OK UID FETCH completed"], await wire.CommandAsync("c7", "UID FETCH 4 (FLAGS) (CHANGEDSINCE 7 VANISHED)"));

        // Another session's expunge and MOVE arrive as VANISHED at the next command that may carry them.
        await AppendAsync(wire, "INBOX", 2); // UIDs 5 and 6
        await wire.CommandAsync("c8", "NOOP");
        await using (var other = await SignedInAsync("transcript"))
        {
            await other.CommandAsync("o1", "SELECT INBOX");
            await other.CommandAsync("o2", "UID STORE 4 +FLAGS.SILENT (\\Deleted)");
            await other.CommandAsync("o3", "UID EXPUNGE 4");
            await other.CommandAsync("o4", "UID MOVE 6 Archive");
        }
        Assert.Equal(["* VANISHED 4,6", "d1 OK NOOP completed"], await wire.CommandAsync("d1", "NOOP"));
        // This session's MOVE, too (RFC 6851 §4.3 with QRESYNC).
        var move = await wire.CommandAsync("d2", "UID MOVE 5 Archive");
        Assert.Equal("* VANISHED 5", move[^2]);
        // EXAMINE with known-uids: only those are reported, vanished or changed.
        var examine = await wire.CommandAsync("d3", $"EXAMINE INBOX (QRESYNC ({validity} 1 2:5))");
        Assert.Equal(["* VANISHED (EARLIER) 2:5", "d3 OK [READ-ONLY] EXAMINE completed"], examine[^2..]);
    }

    /// <summary>
    /// The test that acts as a client: it keeps a copy of the mailbox (UIDs and flags) and the HIGHESTMODSEQ it synced to,
    /// goes away while another connection expunges, moves, flags and delivers, then comes back with SELECT (QRESYNC ...)
    /// and applies only what the server says. Its copy must then equal the mailbox, and the VANISHED UIDs must be exactly
    /// the ones that went.
    /// </summary>
    [Fact]
    public async Task A_client_resyncing_after_another_connection_expunges_gets_exactly_the_vanished_uids_and_changes()
    {
        long validity, modseq;
        var copy = new Dictionary<long, string>();
        await using (var first = await SignedInAsync("client"))
        {
            await AppendAsync(first, "INBOX", 8);
            await first.CommandAsync("a1", "ENABLE QRESYNC");
            var select = await first.CommandAsync("a2", "SELECT INBOX");
            validity = Code(select, "UIDVALIDITY");
            modseq = Code(select, "HIGHESTMODSEQ");
            foreach (var line in await first.CommandAsync("a3", "UID FETCH 1:* (FLAGS)"))
            {
                Apply(copy, line);
            }
            Assert.Equal(8, copy.Count);
        }

        await using (var second = await SignedInAsync("client"))
        {
            await second.CommandAsync("b1", "SELECT INBOX");
            await second.CommandAsync("b2", "UID STORE 2,5 +FLAGS.SILENT (\\Deleted)");
            await second.CommandAsync("b3", "EXPUNGE");
            await second.CommandAsync("b4", "UID MOVE 7 Archive");
            await second.CommandAsync("b5", "UID STORE 3 +FLAGS.SILENT (\\Flagged $Work)");
            await second.CommandAsync("b6", "UID STORE 8 +FLAGS.SILENT (\\Seen)");
            await AppendAsync(second, "INBOX", 1); // UID 9
        }

        await using var again = await SignedInAsync("client");
        await again.CommandAsync("c1", "ENABLE QRESYNC");
        var resync = await again.CommandAsync("c2", $"SELECT INBOX (QRESYNC ({validity} {modseq}))");
        var vanished = resync.Where(l => l.StartsWith("* VANISHED (EARLIER) ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["* VANISHED (EARLIER) 2,5,7"], vanished);
        foreach (var uid in Uids(vanished[0]["* VANISHED (EARLIER) ".Length..]))
        {
            copy.Remove(uid);
        }
        var fetched = resync.Where(l => Regex.IsMatch(l, @"^\* \d+ FETCH")).ToList();
        Assert.Equal([3L, 8L, 9L], fetched.Select(l => long.Parse(Regex.Match(l, @"UID (\d+)").Groups[1].Value, CultureInfo.InvariantCulture)));
        foreach (var line in fetched)
        {
            Apply(copy, line);
        }

        var truth = new Dictionary<long, string>();
        foreach (var line in await again.CommandAsync("c3", "UID FETCH 1:* (FLAGS)"))
        {
            Apply(truth, line);
        }
        Assert.Equal(truth.OrderBy(p => p.Key), copy.OrderBy(p => p.Key));
        // Synced to the HIGHESTMODSEQ it was told: asking again from there brings nothing.
        var highest = Code(resync, "HIGHESTMODSEQ");
        var quiet = await again.CommandAsync("c4", $"EXAMINE INBOX (QRESYNC ({validity} {highest}))");
        Assert.DoesNotContain(quiet, l => l.Contains("VANISHED", StringComparison.Ordinal) || l.Contains("FETCH", StringComparison.Ordinal));
    }

    /// <summary>
    /// RFC 7162 §3.2.5.2: once the retention has pruned expunges newer than the client's modseq, the answer may name UIDs not
    /// known to be expunged but must miss none: every UID below UIDNEXT that does not exist. Sequence-match data narrows it
    /// to above the last message whose number the client still has right.
    /// </summary>
    [Fact]
    public async Task After_the_retention_pruned_the_record_a_resync_still_names_every_vanished_uid()
    {
        await using var wire = await SignedInAsync("pruned");
        await AppendAsync(wire, "INBOX", 7);
        await wire.CommandAsync("a1", "ENABLE QRESYNC");
        await wire.CommandAsync("a2", "SELECT INBOX");
        await wire.CommandAsync("a3", "UID STORE 1 +FLAGS.SILENT (\\Deleted)");
        await wire.CommandAsync("a4", "EXPUNGE");
        // The client's state: messages 1:6 are UIDs 2:7.
        var validity = Code(await wire.CommandAsync("a5", "SELECT INBOX"), "UIDVALIDITY");
        var modseq = Code(await wire.CommandAsync("a6", "SELECT INBOX"), "HIGHESTMODSEQ");
        await wire.CommandAsync("a7", "UID STORE 5 +FLAGS.SILENT (\\Deleted)");
        await wire.CommandAsync("a8", "EXPUNGE");
        // Older than the retention: the next expunge prunes UID 5's record, which is newer than the client's modseq.
        await using (var connection = await _host.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE expunged_uids SET expunged_at = 0");
        }
        await wire.CommandAsync("a9", "UID STORE 6 +FLAGS.SILENT (\\Deleted)");
        await wire.CommandAsync("a10", "EXPUNGE");
        await using (var connection = await _host.Get<Database>().OpenAsync())
        {
            Assert.Equal([6L], await connection.QueryAsync<long>("SELECT uid FROM expunged_uids"));
        }
        // UID 1 went before the client's state and is named anyway; 5 and 6 are exactly what it must hear.
        var resync = await wire.CommandAsync("b1", $"EXAMINE INBOX (QRESYNC ({validity} {modseq}))");
        Assert.Contains("* VANISHED (EARLIER) 1,5:6", resync);
        // Messages 1 and 2 are still UIDs 2 and 3: nothing at or below UID 3 went since, so only 5:6 are named.
        resync = await wire.CommandAsync("b2", $"EXAMINE INBOX (QRESYNC ({validity} {modseq} 2:7 (1:2 2:3)))");
        Assert.Contains("* VANISHED (EARLIER) 5:6", resync);
        // A pair that no longer matches (message 4 is now UID 7, not 5) stops the comparison there.
        resync = await wire.CommandAsync("b3", $"EXAMINE INBOX (QRESYNC ({validity} {modseq} 2:7 (1,4 2,5)))");
        Assert.Contains("* VANISHED (EARLIER) 5:6", resync);
        resync = await wire.CommandAsync("b4", $"EXAMINE INBOX (QRESYNC ({validity} {modseq} 2:7 (4 5)))");
        Assert.Contains("* VANISHED (EARLIER) 5:6", resync);
        // UID FETCH VANISHED over the same gap: every UID of the set that is not there. UID 5's expunge took modseq+2, the
        // pruned record ends there: from modseq+2 on the record is exact again, and only UID 6 (modseq+4) is named.
        await wire.CommandAsync("b5", "SELECT INBOX");
        Assert.Equal(["* VANISHED (EARLIER) 1,5:6", "b6 OK UID FETCH completed"], await wire.CommandAsync("b6", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq + 1} VANISHED)"));
        Assert.Equal(["* VANISHED (EARLIER) 6", "b7 OK UID FETCH completed"], await wire.CommandAsync("b7", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq + 2} VANISHED)"));
    }

    /// <summary>RFC 7162 §3.2.10: in IDLE, another session's expunge is a VANISHED as it happens.</summary>
    [Fact]
    public async Task Idle_reports_another_sessions_expunge_as_vanished()
    {
        await using var wire = await SignedInAsync("idle");
        await AppendAsync(wire, "INBOX", 3);
        await wire.CommandAsync("a1", "ENABLE QRESYNC");
        await wire.CommandAsync("a2", "SELECT INBOX");
        await wire.SendAsync("a3 IDLE\r\n");
        Assert.Equal("+ idling", await wire.ReadLineAsync());
        await using (var other = await SignedInAsync("idle"))
        {
            await other.CommandAsync("o1", "SELECT INBOX");
            await other.CommandAsync("o2", "UID STORE 2 +FLAGS.SILENT (\\Deleted)");
            await other.CommandAsync("o3", "EXPUNGE");
        }
        var line = await wire.ReadLineAsync();
        while (line.Contains("FETCH", StringComparison.Ordinal))
        {
            line = await wire.ReadLineAsync(); // the \Deleted flag, seen before the expunge
        }
        Assert.Equal("* VANISHED 2", line);
        await wire.SendAsync("DONE\r\n");
        Assert.Equal("a3 OK IDLE terminated", await wire.ReadLineAsync());
    }

    /// <summary>
    /// RFC 7162 §3.2: when a FETCH by sequence number may not carry another session's expunge (RFC 3501 §7.4.1) but does
    /// carry MODSEQs, the server first lowers HIGHESTMODSEQ to below the held-back expunge, so that a client that saves
    /// the highest MODSEQ it saw and is then cut off still hears of the expunge when it resyncs.
    /// </summary>
    [Fact]
    public async Task A_held_back_expunge_lowers_highestmodseq_before_later_modseqs_are_sent()
    {
        await using var wire = await SignedInAsync("held");
        await AppendAsync(wire, "INBOX", 3);
        await wire.CommandAsync("a1", "ENABLE QRESYNC");
        await wire.CommandAsync("a2", "SELECT INBOX");
        await using (var other = await SignedInAsync("held"))
        {
            await other.CommandAsync("o1", "SELECT INBOX");
            await other.CommandAsync("o2", "UID STORE 2 +FLAGS.SILENT (\\Deleted)"); // modseq 5
            await other.CommandAsync("o3", "EXPUNGE"); // modseq 6
            await other.CommandAsync("o4", "UID STORE 1 +FLAGS.SILENT (\\Flagged)"); // modseq 7
        }
        var fetch = await wire.CommandAsync("b1", "FETCH 1 (FLAGS)");
        Assert.Contains("* OK [HIGHESTMODSEQ 5] Expunges pending", fetch);
        Assert.Contains("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ (7))", fetch);
        // The FETCH's own answer pairs the flags with their MODSEQ, and comes after the lowered HIGHESTMODSEQ.
        Assert.Contains("* 1 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (7))", fetch);
        Assert.True(fetch.IndexOf("* OK [HIGHESTMODSEQ 5] Expunges pending") < fetch.FindIndex(l => l.Contains("MODSEQ (7)", StringComparison.Ordinal)), string.Join("\n", fetch));
        Assert.DoesNotContain(fetch, l => l.Contains("VANISHED", StringComparison.Ordinal));
        Assert.Equal("b1 OK FETCH completed", fetch[^1]);
        Assert.Equal(["* VANISHED 2", "b2 OK NOOP completed"], await wire.CommandAsync("b2", "NOOP"));
    }

    /// <summary>
    /// A FETCH of FLAGS after another session changed them answers with the new flags and the MODSEQ of that change,
    /// never the old flags beside the new MODSEQ (a client that stores both would keep the old flags for good).
    /// </summary>
    [Fact]
    public async Task Fetch_flags_after_another_sessions_store_pairs_the_new_flags_with_their_modseq()
    {
        await using var wire = await SignedInAsync("stale");
        await AppendAsync(wire, "INBOX", 2);
        await wire.CommandAsync("a1", "SELECT INBOX (CONDSTORE)");
        await using (var other = await SignedInAsync("stale"))
        {
            await other.CommandAsync("o1", "SELECT INBOX");
            await other.CommandAsync("o2", "STORE 2 +FLAGS.SILENT ($Important)"); // modseq 4
        }
        var fetch = await wire.CommandAsync("b1", "FETCH 1:2 (FLAGS)");
        // A keyword new to this session is announced with FLAGS before a FETCH shows it.
        Assert.True(fetch.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("$Important", StringComparison.Ordinal))
            < fetch.FindIndex(l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal)), string.Join("\n", fetch));
        Assert.DoesNotContain(fetch, l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal) && !l.Contains("$Important", StringComparison.Ordinal));
        Assert.Contains("* 2 FETCH (FLAGS ($Important \\Recent) MODSEQ (4))", fetch);
        Assert.Contains("* 1 FETCH (FLAGS (\\Recent) MODSEQ (2))", fetch);
        Assert.Equal("b1 OK FETCH completed", fetch[^1]);
    }

    /// <summary>An untagged FETCH with UID and FLAGS into a copy of the mailbox, as a client applies it.</summary>
    private static void Apply(Dictionary<long, string> copy, string line)
    {
        var match = Regex.Match(line, @"^\* \d+ FETCH \(.*?UID (\d+).*?FLAGS \(([^)]*)\)");
        if (match.Success)
        {
            copy[long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)] = string.Join(' ', match.Groups[2].Value.Split(' ').Where(f => f != "\\Recent").Order());
        }
    }

    private static IEnumerable<long> Uids(string set)
    {
        foreach (var part in set.Split(','))
        {
            var ends = part.Split(':').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            for (var uid = ends[0]; uid <= ends[^1]; uid++)
            {
                yield return uid;
            }
        }
    }
}
