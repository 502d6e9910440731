using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// SORT and THREAD over the same messages, APPENDed with the same arrival dates to the appliance and to a private
/// Dovecot 2.3 (the reference-test pattern of <see cref="ImapReferenceTests"/>), must give the same answers.
/// </summary>
public sealed class ImapSortReferenceTests : IAsyncLifetime
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

    /// <summary>
    /// Beyond the transcript's four (<see cref="ImapSortThreadTests.Messages"/>): a reply chain, a forward wrapper and
    /// "(fwd)" trailer, replies to a message that is not there (a dummy root), a reply whose parent is missing grouped
    /// by subject, a message without Message-ID or Date, and encoded words. Headers, then the arrival date.
    /// </summary>
    private static readonly (string Headers, string Arrival)[] More =
    [
        ("From: dave@example.org\r\nTo: amy@example.com\r\nSubject: Re: Re: Lunch (fwd)\r\nDate: Thu, 5 Nov 2026 10:00:00 +0000\r\nMessage-ID: <r5@example.org>\r\nReferences: <lunch@example.org> <fwd@example.org>\r\n", "05-Nov-2026 10:00:00 +0000"),
        ("From: Eve <eve@example.org>\r\nTo: bob@example.com\r\nSubject: [Fwd: Trip]\r\nDate: Fri, 6 Nov 2026 10:00:00 +0000\r\nMessage-ID: <trip-fwd@example.org>\r\n", "06-Nov-2026 10:00:00 +0000"),
        ("From: Fay <fay@example.org>\r\nTo: Bob <bob@example.com>\r\nCc: Carl <carl@example.com>\r\nSubject: Trip\r\nDate: Sat, 7 Nov 2026 10:00:00 +0000\r\nMessage-ID: <trip@example.org>\r\n", "07-Nov-2026 10:00:00 +0000"),
        ("From: Gus <gus@example.org>\r\nTo: bob@example.com\r\nSubject: Re: Venue\r\nDate: Sun, 8 Nov 2026 10:00:00 +0000\r\nMessage-ID: <v1@example.org>\r\nReferences: <gone@example.org>\r\n", "08-Nov-2026 10:00:00 +0000"),
        ("From: Hal <hal@example.org>\r\nTo: bob@example.com\r\nSubject: Re: Venue\r\nDate: Mon, 9 Nov 2026 10:00:00 +0000\r\nMessage-ID: <v3@example.org>\r\nReferences: <gone@example.org> <v2@example.org>\r\n", "09-Nov-2026 10:00:00 +0000"),
        ("From: Ida <ida@example.org>\r\nTo: bob@example.com\r\nSubject: Agenda\r\n", "10-Nov-2026 10:00:00 +0000"),
        ("From: Jon <jon@example.org>\r\nTo: bob@example.com\r\nSubject: Re: Agenda\r\nDate: Wed, 11 Nov 2026 10:00:00 +0000\r\nMessage-ID: <a2@example.org>\r\nIn-Reply-To: <agenda-missing@example.org>\r\n", "11-Nov-2026 10:00:00 +0000"),
        ("From: =?UTF-8?Q?Zo=C3=AB_Kim?= <kim@example.org>\r\nTo: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.com>\r\nSubject: =?UTF-8?Q?Caf=C3=A9?= plans\r\nDate: Thu, 12 Nov 2026 10:00:00 -0500\r\nMessage-ID: <cafe@example.org>\r\n", "12-Nov-2026 10:00:00 +0000"),
    ];

    private static IEnumerable<(string Message, string Arrival)> Corpus()
    {
        for (var i = 0; i < ImapSortThreadTests.Messages.Length; i++)
        {
            yield return (ImapSortThreadTests.Compose(i), ImapSortThreadTests.Messages[i].Arrival);
        }
        var size = 500;
        foreach (var (headers, arrival) in More)
        {
            yield return (headers + "\r\n" + new string('y', size += 700) + "\r\n", arrival);
        }
    }

    /// <summary>The commands compared; each answers one untagged SORT or THREAD line.</summary>
    private static readonly string[] Commands =
    [
        "SORT (DATE) UTF-8 ALL",
        "SORT (REVERSE DATE) UTF-8 ALL",
        "SORT (ARRIVAL) UTF-8 ALL",
        "SORT (FROM) UTF-8 ALL",
        "SORT (REVERSE FROM) UTF-8 ALL",
        "SORT (SUBJECT) UTF-8 ALL",
        "SORT (REVERSE SUBJECT DATE) UTF-8 ALL",
        "SORT (TO) UTF-8 ALL",
        "SORT (CC) UTF-8 ALL",
        "SORT (SIZE) UTF-8 ALL",
        "SORT (DISPLAYFROM) UTF-8 ALL",
        "SORT (DISPLAYTO) UTF-8 ALL",
        "UID SORT (SUBJECT DATE) UTF-8 SINCE 3-Nov-2026",
        "SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL",
        "UID SORT RETURN () (REVERSE SUBJECT) UTF-8 ALL",
        "SORT RETURN (MIN COUNT) (SIZE) UTF-8 SUBJECT nothing-like-it",
        "THREAD ORDEREDSUBJECT UTF-8 ALL",
        "THREAD REFERENCES UTF-8 ALL",
        "UID THREAD REFERENCES UTF-8 NOT 2",
    ];

    [Fact]
    public async Task Sort_and_thread_agree_with_dovecot()
    {
        await using var dovecot = await RawImap.ConnectAsync(_dovecot.Port, startTls: false);
        await dovecot.OkAsync("LOGIN bob " + Password);
        await using var appliance = await RawImap.ConnectAsync(_host.ImapPort, startTls: true);
        await appliance.OkAsync("LOGIN bob@example.com " + Password);
        foreach (var (message, arrival) in Corpus())
        {
            var append = $"APPEND INBOX \"{arrival}\" {{{message.Length.ToString(CultureInfo.InvariantCulture)}+}}\r\n{message}";
            await dovecot.OkAsync(append);
            await appliance.OkAsync(append);
        }
        await dovecot.OkAsync("SELECT INBOX");
        await appliance.OkAsync("SELECT INBOX");

        var differences = new List<string>();
        foreach (var command in Commands)
        {
            var theirs = Answer(await dovecot.OkAsync(command));
            var ours = Answer(await appliance.OkAsync(command));
            if (theirs != ours)
            {
                differences.Add($"{command}\n  dovecot:   {theirs}\n  appliance: {ours}");
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>The SORT, ESEARCH (ESORT) or THREAD line's data, as text (thread lists written with a space between them on both sides).</summary>
    private static string Answer(IReadOnlyList<Sexp> responses)
    {
        var line = Assert.Single(responses, r => r.Items.Count > 1 && r.Items[1].Text is "SORT" or "THREAD" or "ESEARCH");
        // ESEARCH's (TAG "...") differs: the appliance's connection ran STARTTLS first, so its tags are one further on.
        return string.Join(' ', line.Items.Skip(2).Where(i => !(i.IsList && i.Items.Count == 2 && i.Items[0].Text == "TAG")));
    }
}
