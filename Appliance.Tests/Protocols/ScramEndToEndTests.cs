using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Protocols;

/// <summary>
/// SCRAM-SHA-256 over IMAP, POP3 and SMTP submission on the real host, driven by Perl's Authen::SCRAM
/// (Debian libauthen-scram-perl): curl 7.88 has SCRAM only with libgsasl, which Debian's build lacks.
/// Also POP3 RETR marking \Seen as IMAP sees it. Plaintext AUTH is allowed so the client needs no TLS.
/// </summary>
public sealed class ScramEndToEndTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private readonly int _pop3 = FreePort.Get();
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync($"--Appliance:Listeners:Pop3={_pop3}", "--Appliance:Security:AllowPlaintextAuth=true",
            "--Appliance:Security:PasswordHashIterations=4096");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    // One exchange per protocol: the command that starts AUTH, the continuation prefix, the success line prefix.
    private const string Script = """
        use strict; use warnings; use IO::Socket::INET; use MIME::Base64; use Authen::SCRAM::Client;
        my ($proto, $port, $user, $pass) = @ARGV;
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 20) or die "connect: $!";
        sub line { my $l = <$s>; defined $l or die "closed"; $l =~ s/\r?\n$//; print "S: $l\n"; return $l }
        sub send_line { print $s "$_[0]\r\n"; print "C: $_[0]\n" }
        line();
        my ($start, $cont, $ok);
        if ($proto eq 'imap') { ($start, $cont, $ok) = ('a AUTHENTICATE SCRAM-SHA-256', qr/^\+ ?/, qr/^a OK/) }
        elsif ($proto eq 'pop3') { ($start, $cont, $ok) = ('AUTH SCRAM-SHA-256', qr/^\+ ?/, qr/^\+OK/) }
        else { send_line('EHLO client.example'); my $l; do { $l = line() } while ($l =~ /^250-/);
               ($start, $cont, $ok) = ('AUTH SCRAM-SHA-256', qr/^334 ?/, qr/^235 /) }
        my $c = Authen::SCRAM::Client->new(username => $user, password => $pass, digest => 'SHA-256');
        send_line($start);
        my $l = line(); $l =~ s/$cont// or die "no continuation: $l";
        send_line(encode_base64($c->first_msg(), ''));
        $l = line(); $l =~ s/$cont// or die "no server-first: $l";
        send_line(encode_base64($c->final_msg(decode_base64($l)), ''));
        $l = line();
        if ($l !~ s/$cont//) { print "RESULT: refused\n"; exit 0 }
        $c->validate(decode_base64($l)) or die "server signature wrong";
        print "VERIFIED\n";
        send_line('');
        $l = line();
        print($l =~ $ok ? "RESULT: ok\n" : "RESULT: not ok\n");
        """;

    private async Task<string> PerlAsync(string protocol, int port, string user, string password)
    {
        var script = Path.Combine(Path.GetTempPath(), $"scram-{Guid.NewGuid():N}.pl");
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var (code, output, error) = await ExternalProgram.RunAsync("perl", [script, protocol, port.ToString(CultureInfo.InvariantCulture), user, password]);
            Assert.True(code == 0, $"perl failed ({code}): {error}\n{output}");
            return output;
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Theory]
    [InlineData("imap")]
    [InlineData("pop3")]
    [InlineData("smtp")]
    public async Task Authen_SCRAM_signs_in_and_verifies_the_server_signature(string protocol)
    {
        var port = protocol switch { "imap" => _host.ImapPort, "pop3" => _pop3, _ => _host.SubmissionPort };
        var output = await PerlAsync(protocol, port, "bob@example.com", Password);
        Assert.Contains("VERIFIED", output, StringComparison.Ordinal);
        Assert.Contains("RESULT: ok", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("imap", "a NO [AUTHENTICATIONFAILED] Authentication failed")]
    [InlineData("pop3", "-ERR [AUTH] Authentication failed")]
    [InlineData("smtp", "535 5.7.8 Authentication credentials invalid")]
    public async Task Wrong_password_and_unknown_user_fail_alike(string protocol, string failure)
    {
        var port = protocol switch { "imap" => _host.ImapPort, "pop3" => _pop3, _ => _host.SubmissionPort };
        var wrong = await PerlAsync(protocol, port, "bob@example.com", "Wr0ng-Passw0rd");
        var unknown = await PerlAsync(protocol, port, "nobody@example.com", "Wr0ng-Passw0rd");
        Assert.Contains("RESULT: refused", wrong, StringComparison.Ordinal);
        Assert.Contains("S: " + failure, wrong, StringComparison.Ordinal);
        Assert.Contains("S: " + failure, unknown, StringComparison.Ordinal);
        // The challenge looks the same: a salt and the default count for the unknown name too.
        Assert.Matches(@",i=4096", DecodedServerFirst(unknown));
        Assert.Equal(DecodedServerFirst(unknown).Split(",s=")[1], DecodedServerFirst(await PerlAsync(protocol, port, "nobody@example.com", "x")).Split(",s=")[1]);
    }

    private static string DecodedServerFirst(string output)
    {
        var line = output.Split('\n').Where(l => l.StartsWith("S: ", StringComparison.Ordinal)).Select(l => l[3..].Trim())
            .Select(l => l.StartsWith("334 ", StringComparison.Ordinal) ? l[4..] : l.StartsWith("+ ", StringComparison.Ordinal) ? l[2..] : "")
            .First(l => l.Length > 0);
        return ScramTestClient.Text(line);
    }

    [Fact]
    public async Task POP3_RETR_marks_Seen_in_IMAP_at_QUIT_and_TOP_does_not()
    {
        var send = $$"""
            import smtplib, poplib, imaplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            for subject in ['one', 'two']:
                s.sendmail('alice@elsewhere.example', ['bob@example.com'], 'From: alice@elsewhere.example\r\nTo: bob@example.com\r\nSubject: %s\r\n\r\nbody\r\n' % subject)
            s.quit()
            def flags():
                m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}, timeout=20)
                m.login('bob@example.com', '{{Password}}')
                m.select('INBOX', readonly=True)
                typ, data = m.fetch('1:2', '(FLAGS)')
                m.logout()
                return [d.decode() for d in data]
            p = poplib.POP3('127.0.0.1', {{_pop3}}, timeout=20)
            p.user('bob@example.com'); p.pass_('{{Password}}')
            p.retr(1); p.top(2, 0)
            print('BEFORE', flags())
            p.quit()
            print('AFTER', flags())
            """;
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", send]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        var before = output.Split('\n').Single(l => l.StartsWith("BEFORE", StringComparison.Ordinal));
        var after = output.Split('\n').Single(l => l.StartsWith("AFTER", StringComparison.Ordinal));
        Assert.DoesNotContain("\\\\Seen", before, StringComparison.Ordinal);
        // EXAMINE shows \Recent without taking it (RFC 3501 §6.3.2), so only \Seen is asserted on.
        Assert.Matches(@"'1 \(FLAGS \([^)]*\\\\Seen[^)]*\)\)'", after);
        Assert.Matches(@"'2 \(FLAGS \((\\\\Recent)?\)\)'", after);
    }
}
