using System.Text;
using Appliance.Accounts;
using Appliance.Filtering.Bayes;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Bayes;

/// <summary>
/// Training by moving mail, with a client others wrote: imaplib's MOVE into Junk teaches "spam", out of it "not spam";
/// then mail arriving over SMTP is judged by what Bob taught, and filed by it.
/// </summary>
public sealed class JunkTrainingEndToEndTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;
    private User _bob = null!;

    public async Task InitializeAsync()
    {
        // Two of each is enough to judge here; the corpus test shows the default 200 of each.
        // BAYES_99 alone is 3.7 points (SpamAssassin's), under the default JunkScore of 5: here it is to decide alone.
        _host = await RunningHost.StartWithImapAsync("--Appliance:Filtering:Bayes:MinSpam=2", "--Appliance:Filtering:Bayes:MinHam=2", "--Appliance:Filtering:JunkScore=3");
        _bob = await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Spam(int i) => $"From: deals{i}@bargain.example\r\nTo: bob@example.com\r\nSubject: Cheap replica watches viagra casino {i}\r\nMessage-ID: <s{i}@bargain.example>\r\n\r\nBuy cheap replica watches, viagra pills and casino bonus now. Unsubscribe lottery winner prize {i}.\r\n";

    private static string Ham(int i) => $"From: anna@partner.example\r\nTo: bob@example.com\r\nSubject: Minutes of the project meeting {i}\r\nMessage-ID: <h{i}@partner.example>\r\n\r\nHello Bob, attached are the minutes of our project meeting; the budget review is on Thursday. Regards, Anna {i}\r\n";

    private async Task RunAsync(string script)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, smtplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def send(text):
                s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=30)
                # A str: smtplib turns its line ends into CRLF.
                s.sendmail('sender@elsewhere.example', ['bob@example.com'], text)
                s.quit()
            def imap():
                m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}, timeout=30)
                m.starttls(ctx)
                m.login('bob@example.com', '{{Password}}')
                return m
            """ + "\n" + script], timeoutSeconds: 120);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
    }

    [Fact]
    public async Task Moving_into_and_out_of_Junk_over_IMAP_trains_the_classifier_and_new_spam_is_filed_into_Junk()
    {
        var bayes = _host.Get<BayesClassifier>();
        await RunAsync($$"""
            for text in [{{string.Join(", ", Enumerable.Range(1, 3).Select(i => "'''" + Spam(i) + "'''").Concat(Enumerable.Range(1, 3).Select(i => "'''" + Ham(i) + "'''")))}}]:
                send(text)
            m = imap()
            m.select('INBOX')
            typ, data = m.uid('SEARCH', 'SUBJECT', 'replica')
            assert typ == 'OK' and len(data[0].split()) == 3, data
            typ, data = m.uid('MOVE', b','.join(data[0].split()).decode(), 'Junk')
            assert typ == 'OK', (typ, data)
            m.logout()
            """);
        await Eventually.HoldsAsync(async () => (await bayes.StatsAsync(_bob.Id, default)).Spam == 3, "three spam learned from the MOVE into Junk");
        Assert.Equal(0, (await bayes.StatsAsync(_bob.Id, default)).Ham);

        // Ham is learned when Bob takes a message out of Junk: put the three meeting notes there first, then back.
        await RunAsync("""
            m = imap()
            m.select('INBOX')
            typ, data = m.uid('SEARCH', 'SUBJECT', 'minutes')
            uids = b','.join(data[0].split()).decode()
            assert m.uid('COPY', uids, 'Junk')[0] == 'OK'
            m.select('Junk')
            typ, data = m.uid('SEARCH', 'SUBJECT', 'minutes')
            assert m.uid('MOVE', b','.join(data[0].split()).decode(), 'INBOX')[0] == 'OK'
            m.logout()
            """);
        await Eventually.HoldsAsync(async () => (await bayes.StatsAsync(_bob.Id, default)) is { Ham: 3 }, "three ham learned from the MOVE out of Junk");
        // The COPY into Junk taught them as spam first; taking them out relearned them, so spam is back at three.
        Assert.Equal(3, (await bayes.StatsAsync(_bob.Id, default)).Spam);

        await RunAsync($"send('''{Spam(9)}''')\nsend('''{Ham(9)}''')");

        var junk = await _host.Get<MailStore>().MessagesAsync("bob@example.com", "Junk");
        var store = _host.Get<Appliance.Storage.BlobStore>();
        var texts = new List<string>();
        foreach (var message in junk)
        {
            using var reader = new StreamReader(store.OpenRead(message.BlobHash)!, Encoding.UTF8);
            texts.Add(await reader.ReadToEndAsync());
        }
        var learned = Assert.Single(texts, t => t.Contains("<s9@bargain.example>", StringComparison.Ordinal));
        Assert.Contains("BAYES_99", learned, StringComparison.Ordinal);
        Assert.DoesNotContain(texts, t => t.Contains("<h9@partner.example>", StringComparison.Ordinal));
        var inbox = await _host.Get<MailStore>().MessagesAsync("bob@example.com");
        // The three notes copied to Junk stayed in the inbox too: three, their three copies back, and the new one.
        Assert.Equal(7, inbox.Count);
    }
}
