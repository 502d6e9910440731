using System.Globalization;
using System.Text;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// mbsync (isync) syncs a whole account both ways with a local Maildir over STARTTLS, checking the
/// appliance's certificate by name (it connects to localhost with the data folder's cert.pem).
/// </summary>
public sealed class ImapMbsyncTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private readonly TempDirectory _local = new();
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("alice@example.com", Password, "Alice"));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _local.Dispose();
    }

    private string Maildir => Path.Combine(_local.Path, "mail");

    private string WriteConfig()
    {
        // mbsync creates folders below the store's path, never the path itself.
        Directory.CreateDirectory(Maildir);
        var config = Path.Combine(_local.Path, "mbsyncrc");
        File.WriteAllText(config, $"""
            IMAPAccount appliance
            Host localhost
            Port {_host.ImapPort.ToString(CultureInfo.InvariantCulture)}
            User bob@example.com
            Pass {Password}
            SSLType STARTTLS
            SystemCertificates no
            CertificateFile {Path.Combine(_host.DataDirectory, "tls", "cert.pem")}
            Timeout 20

            IMAPStore remote
            Account appliance

            MaildirStore local
            Path {Maildir}/
            Inbox {Maildir}/INBOX
            SubFolders Verbatim

            Channel everything
            Far :remote:
            Near :local:
            Patterns *
            Create Both
            Expunge Both
            SyncState *

            """);
        return config;
    }

    private async Task<string> SyncAsync(string config)
    {
        var (code, output, error) = await ExternalProgram.RunAsync("mbsync", ["-c", config, "-a"], timeoutSeconds: 120);
        Assert.True(code == 0, $"mbsync failed ({code}): {error}\n{output}");
        return output + error;
    }

    /// <summary>Every folder with each message's UID, flags (without \Recent) and bytes, as one canonical text.</summary>
    private async Task<string> ServerStateAsync(string? setUp = null, string user = "bob")
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, ssl, re, hashlib
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4_SSL('127.0.0.1', {{_host.ImapsPort}}, ssl_context=ctx, timeout=20)
            m.login('{{user}}@example.com', '{{Password}}')
            def ok(r):
                assert r[0] == 'OK', r
                return r[1]
            {{setUp}}
            names = sorted(re.match(rb'.* "/" "?([^"]*)"?$', l).group(1).decode() for l in ok(m.list('""', '*')) if b'\\Noselect' not in l)
            for name in names:
                count = int(ok(m.select('"' + name + '"', readonly=True))[0])
                print('folder', name, count)
                if count:
                    for d in ok(m.fetch('1:*', '(UID FLAGS BODY.PEEK[])')):
                        if isinstance(d, tuple):
                            uid = re.search(rb'UID (\d+)', d[0]).group(1).decode()
                            flags = sorted(f.decode() for f in re.search(rb'FLAGS \(([^)]*)\)', d[0]).group(1).split() if f != b'\\Recent')
                            print(' ', uid, ' '.join(flags), hashlib.sha1(d[1]).hexdigest(), d[1].split(b'\r\n')[0].decode())
                m.close()
            m.logout()
            """]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output;
    }

    /// <summary>Every message file under the Maildir: folder, file name and bytes (mbsync's state files left out).</summary>
    private string LocalState() => string.Join("\n", Directory.EnumerateFiles(Maildir, "*", SearchOption.AllDirectories)
        .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) is "cur" or "new")
        .Order(StringComparer.Ordinal)
        .Select(f => Path.GetRelativePath(Maildir, f) + " " + Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(File.ReadAllBytes(f)))));

    private IEnumerable<string> LocalFiles(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Maildir, folder, "cur")).Concat(Directory.EnumerateFiles(Path.Combine(Maildir, folder, "new")));

    [Fact]
    public async Task Mbsync_syncs_the_whole_account_both_ways_and_a_second_run_changes_nothing()
    {
        var config = WriteConfig();
        var seeded = await ServerStateAsync("""
            ok(m.create('Projects'))
            ok(m.append('INBOX', r'(\Seen)', None, b'Subject: one\r\nFrom: a@elsewhere.example\r\n\r\nfirst\r\n'))
            ok(m.append('INBOX', r'(\Flagged)', None, b'Subject: two\r\nFrom: a@elsewhere.example\r\n\r\nsecond\r\n'))
            ok(m.append('INBOX', None, None, b'Subject: three\r\nFrom: a@elsewhere.example\r\n\r\nthird\r\n'))
            ok(m.append('Archive', r'(\Seen \Answered)', None, b'Subject: archived\r\n\r\nold\r\n'))
            ok(m.append('Projects', None, None, b'Subject: plan\r\n\r\nthe plan\r\n'))
            """);
        Assert.Contains("folder Projects 1", seeded, StringComparison.Ordinal);

        // Server to local: every folder, every message, with its flags in the file name (S, F, R).
        var output = await SyncAsync(config);
        var inbox = LocalFiles("INBOX").ToList();
        Assert.True(inbox.Count == 3, output + "\n" + LocalState());
        var contents = inbox.ToDictionary(f => File.ReadAllText(f).Split('\n')[0].TrimEnd('\r'), Path.GetFileName);
        Assert.EndsWith(":2,S", contents["Subject: one"], StringComparison.Ordinal);
        Assert.EndsWith(":2,F", contents["Subject: two"], StringComparison.Ordinal);
        Assert.EndsWith(":2,", contents["Subject: three"], StringComparison.Ordinal);
        Assert.EndsWith(":2,RS", Path.GetFileName(Assert.Single(LocalFiles("Archive"))), StringComparison.Ordinal);
        // mbsync keeps Maildir files with Unix line ends and tags what it copies with an X-TUID header of its own.
        var plan = File.ReadAllText(Assert.Single(LocalFiles("Projects"))).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Equal("Subject: plan\n\nthe plan\n", System.Text.RegularExpressions.Regex.Replace(plan, "^X-TUID: .*\n", "", System.Text.RegularExpressions.RegexOptions.Multiline));
        foreach (var folder in new[] { "Drafts", "Sent", "Trash", "Junk" })
        {
            Assert.True(Directory.Exists(Path.Combine(Maildir, folder, "cur")), folder);
        }

        // Local to server: a new message, a flag change, and a new folder.
        File.WriteAllText(Path.Combine(Maildir, "INBOX", "cur", "1700000000.local1.client:2,F"), "Subject: written locally\nFrom: bob@example.com\n\nfrom the laptop\n");
        var threeFile = inbox.Single(f => File.ReadAllText(f).StartsWith("Subject: three", StringComparison.Ordinal));
        File.Move(threeFile, Path.Combine(Maildir, "INBOX", "cur", Path.GetFileName(threeFile).Split(":2,")[0] + ":2,RS"));
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(Maildir, "Local", sub));
        }
        File.WriteAllText(Path.Combine(Maildir, "Local", "new", "1700000001.local2.client"), "Subject: in a local folder\n\nnew folder\n");
        output = await SyncAsync(config);

        var server = await ServerStateAsync();
        Assert.True(server.Contains("folder INBOX 4", StringComparison.Ordinal), output + "\n" + server);
        Assert.Contains(@" \Flagged ", server.Split('\n').Single(l => l.EndsWith("Subject: written locally", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(@" \Answered \Seen ", server.Split('\n').Single(l => l.EndsWith("Subject: three", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("folder Local 1", server, StringComparison.Ordinal);
        Assert.Contains("Subject: in a local folder", server, StringComparison.Ordinal);

        // A third run finds nothing to do: the server and the Maildir stay exactly as they are.
        var localBefore = LocalState();
        output = await SyncAsync(config);
        Assert.Equal(server, await ServerStateAsync());
        Assert.True(localBefore == LocalState(), output);

        // A deletion on the server reaches the Maildir (Expunge Both).
        await ServerStateAsync("""
            ok(m.select('Projects'))
            ok(m.store('1', '+FLAGS', r'(\Deleted)'))
            ok(m.expunge())
            """);
        await SyncAsync(config);
        Assert.Empty(LocalFiles("Projects"));
    }

    [Fact]
    public async Task Mbsync_syncs_nested_non_ascii_and_shared_folders_and_expunges_both_ways()
    {
        var config = WriteConfig();
        // Alice shares "Team" with bob: his sync takes it too, and his reading there stays his (per-user \Seen).
        var mail = _host.Get<Appliance.Web.Mail.MailService>();
        var alice = (await mail.UserAsync("alice@example.com"))!;
        await mail.CreateFolderAsync(alice, "Team");
        var team = await mail.FolderAsync(alice, "Team");
        await _host.Get<Appliance.Mailstore.MailboxWriter>().AppendMessageAsync(team.State.Id, alice.Id, 0, Encoding.ASCII.GetBytes("Subject: rota\r\n\r\nwho does what\r\n"), "", CancellationToken.None);
        await mail.ShareAsync(alice, "Team", "bob@example.com", Appliance.Web.Mail.ShareLevel.ReadWrite);
        await ServerStateAsync("""
            ok(m.create('Projects/2026'))
            ok(m.create('Entw&APw-rfe'))
            ok(m.append('Projects/2026', None, None, b'Subject: nested\r\n\r\ndeep\r\n'))
            ok(m.append('Projects/2026', r'(\Flagged)', None, b'Subject: nested two\r\n\r\ndeeper\r\n'))
            ok(m.append('Entw&APw-rfe', r'(\Draft)', None, b'Subject: draft\r\n\r\nunfinished\r\n'))
            """);

        var output = await SyncAsync(config);
        Assert.True(LocalFiles(Path.Combine("Projects", "2026")).Count() == 2, output + "\n" + LocalState());
        // isync 1.4 names the local folder as the server spells it (modified UTF-7); later versions decode it.
        var drafts = new[] { "Entw&APw-rfe", "Entwürfe" }.Single(n => Directory.Exists(Path.Combine(Maildir, n)));
        Assert.EndsWith(":2,D", Path.GetFileName(Assert.Single(LocalFiles(drafts))), StringComparison.Ordinal);
        var shared = Path.Combine("Other Users", "alice@example.com", "Team");
        var rota = Assert.Single(LocalFiles(shared));

        // Local changes: one nested message deleted (an expunge to the server), the shared message read, the draft
        // flagged, and a nested local folder with a message.
        File.Delete(LocalFiles(Path.Combine("Projects", "2026")).Single(f => File.ReadAllText(f).Contains("Subject: nested two", StringComparison.Ordinal)));
        File.Move(rota, Path.Combine(Path.GetDirectoryName(rota)!.Replace($"{Path.DirectorySeparatorChar}new", $"{Path.DirectorySeparatorChar}cur", StringComparison.Ordinal),
            Path.GetFileName(rota).Split(":2,")[0] + ":2,S"));
        var draft = Assert.Single(LocalFiles(drafts));
        File.Move(draft, Path.Combine(Maildir, drafts, "cur", Path.GetFileName(draft).Split(":2,")[0] + ":2,DF"));
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(Maildir, "Local", sub));
            Directory.CreateDirectory(Path.Combine(Maildir, "Local", "Deep", sub));
        }
        File.WriteAllText(Path.Combine(Maildir, "Local", "Deep", "new", "1700000002.local3.client"), "Subject: deep local\n\nnested new folder\n");
        output = await SyncAsync(config);

        var server = await ServerStateAsync();
        var lines = server.Split('\n');
        Assert.True(server.Contains("folder Projects/2026 1", StringComparison.Ordinal), output + "\n" + server);
        Assert.DoesNotContain("Subject: nested two", server, StringComparison.Ordinal);
        Assert.Contains("folder Local/Deep 1", server, StringComparison.Ordinal);
        Assert.Contains(@" \Draft \Flagged ", lines.Single(l => l.EndsWith("Subject: draft", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(@" \Seen ", lines.Single(l => l.EndsWith("Subject: rota", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("folder Entw&APw-rfe 1", server, StringComparison.Ordinal);
        // Bob's reading of alice's folder is his: for her the message is still unread.
        var alicesView = await ServerStateAsync(user: "alice");
        Assert.DoesNotContain(@"\Seen", alicesView.Split('\n').Single(l => l.EndsWith("Subject: rota", StringComparison.Ordinal)), StringComparison.Ordinal);

        // Once more: nothing to do either side.
        var localBefore = LocalState();
        output = await SyncAsync(config);
        Assert.Equal(server, await ServerStateAsync());
        Assert.True(localBefore == LocalState(), output);
    }
}
