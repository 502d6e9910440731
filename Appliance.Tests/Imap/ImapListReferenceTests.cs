using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// LIST, LSUB and LIST-EXTENDED over subscriptions that outlive their mailboxes, parents of subscribed children and
/// RECURSIVEMATCH: the same commands against the appliance and a private Dovecot 2.3 (maildir with LAYOUT=fs, so "/"
/// separates levels there too) must list the same names with the same subscription attributes and CHILDINFO.
/// </summary>
public sealed class ImapListReferenceTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;
    private PrivateDovecot _dovecot = null!;

    public async Task InitializeAsync()
    {
        _dovecot = await PrivateDovecot.StartAsync(Password, ":LAYOUT=fs");
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _dovecot.DisposeAsync();
    }

    /// <summary>
    /// Each name's subscription is set explicitly after CREATE (we subscribe a new folder, Dovecot does not), and the
    /// patterns leave out the default folders (ours are subscribed, Dovecot's INBOX is not).
    /// </summary>
    private static readonly string[] Setup =
    [
        "CREATE Projects", "SUBSCRIBE Projects", "DELETE Projects",
        "CREATE Projects-old", "UNSUBSCRIBE Projects-old", "RENAME Projects-old Projects",
        "CREATE Foo", "UNSUBSCRIBE Foo", "CREATE Foo/Bar", "SUBSCRIBE Foo/Bar", "CREATE Foo/Baz", "UNSUBSCRIBE Foo/Baz",
        "CREATE Gone", "UNSUBSCRIBE Gone", "CREATE Gone/Child", "SUBSCRIBE Gone/Child", "DELETE Gone/Child", "DELETE Gone",
        "CREATE Plans", "UNSUBSCRIBE Plans", "CREATE \"Entw&APw-rfe\"", "SUBSCRIBE \"Entw&APw-rfe\"",
    ];

    private static readonly string[] Queries =
    [
        "LIST \"\" (P* F* G* E*)",
        "LIST (SUBSCRIBED) \"\" (P* F* G* E*)",
        "LIST (SUBSCRIBED) \"\" (P% F% G%)",
        "LIST \"\" (P* F* G*) RETURN (SUBSCRIBED)",
        "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (P% F% G%)",
        "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (F% Foo/*)",
        "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (P* F* G*)",
        "LIST \"\" \"Entw&APw-rfe\"",
        "LSUB \"\" \"Entw&APw-*\"",
        "LSUB \"\" P*",
        "LSUB \"\" F%",
        "LSUB \"\" F*",
        "LSUB \"\" G%",
        "LSUB \"Gone/\" %",
    ];

    [Fact]
    public async Task List_and_lsub_over_subscriptions_agree_with_dovecot()
    {
        await using var dovecot = await RawImap.ConnectAsync(_dovecot.Port, startTls: false);
        await dovecot.OkAsync("LOGIN bob " + Password);
        await using var appliance = await RawImap.ConnectAsync(_host.ImapPort, startTls: true);
        await appliance.OkAsync("LOGIN bob@example.com " + Password);
        foreach (var command in Setup)
        {
            await dovecot.OkAsync(command);
            await appliance.OkAsync(command);
        }
        var differences = new List<string>();
        foreach (var query in Queries)
        {
            var expected = Listed(await dovecot.OkAsync(query));
            var actual = Listed(await appliance.OkAsync(query));
            if (!expected.SequenceEqual(actual))
            {
                differences.Add($"{query}\n  dovecot:   {string.Join(" | ", expected)}\n  appliance: {string.Join(" | ", actual)}");
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>
    /// Each LIST/LSUB response as "name (attributes) extended-data", sorted. \HasChildren and \HasNoChildren are dropped:
    /// RFC 5258 §4 makes them optional unless RETURN (CHILDREN) asks, and Dovecot leaves them out of subscription
    /// listings. The order of responses is the server's (RFC 3501 §6.3.8 sets none).
    /// </summary>
    private static List<string> Listed(IReadOnlyList<Sexp> responses) =>
        responses
            .Where(r => r.Items.Count >= 5 && r.Items[1].Text is "LIST" or "LSUB")
            .Select(r =>
            {
                var attributes = r.Items[2].Items.Select(a => a.Text.ToLowerInvariant())
                    .Where(a => a is not ("\\haschildren" or "\\hasnochildren")).Order(StringComparer.Ordinal);
                var extended = r.Items.Count > 5 ? " " + r.Items[5] : "";
                return string.Create(CultureInfo.InvariantCulture, $"{r.Items[1].Text} {r.Items[4].Text} ({string.Join(' ', attributes)}){extended}");
            })
            .Order(StringComparer.Ordinal)
            .ToList();
}
