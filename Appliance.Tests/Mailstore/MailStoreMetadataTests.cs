using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mailstore;

/// <summary>The metadata table (migration 14): private entries per user, all-or-nothing changes, entries that go with their mailbox, the limits.</summary>
public sealed class MailStoreMetadataTests : IAsyncLifetime
{
    private static readonly MetadataLimits Roomy = new(100, 1 << 20);
    private TestServices _services = null!;
    private MailStore _store = null!;
    private long _admin;
    private long _bob;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        await _services.SetUpAsync();
        await _services.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"));
        _admin = (await _services.Get<UserRepository>().FindAsync("admin@example.com"))!.Id;
        _bob = (await _services.Get<UserRepository>().FindAsync("bob@example.com"))!.Id;
        _store = _services.Get<MailStore>();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static MetadataChange Set(string name, string? value) => new(name, value is null ? null : Encoding.UTF8.GetBytes(value));

    private async Task<string[]> SeenByAsync(long? mailbox, long user) =>
        [.. (await _store.MetadataAsync(mailbox, user)).Select(e => e.Name + "=" + Encoding.UTF8.GetString(e.Value))];

    [Fact]
    public async Task Private_entries_are_their_owners_and_shared_ones_everyones()
    {
        await _store.CreateMailboxAsync(_admin, "Team");
        var team = (await _store.FindMailboxAsync(_admin, "Team"))!.Id;
        await _store.SetMetadataAsync(team, _admin, [Set("/shared/comment", "team"), Set("/private/comment", "admin's")], Roomy);
        await _store.SetMetadataAsync(team, _bob, [Set("/private/comment", "bob's")], Roomy);
        await _store.SetMetadataAsync(null, _bob, [Set("/private/vendor/x/theme", "dark")], Roomy);

        Assert.Equal(["/private/comment=admin's", "/shared/comment=team"], await SeenByAsync(team, _admin));
        Assert.Equal(["/private/comment=bob's", "/shared/comment=team"], await SeenByAsync(team, _bob));
        Assert.Equal(["/private/vendor/x/theme=dark"], await SeenByAsync(null, _bob));
        Assert.Empty(await SeenByAsync(null, _admin));

        // Setting again replaces; NIL removes only the setter's own private entry.
        await _store.SetMetadataAsync(team, _bob, [Set("/shared/comment", "renamed team"), Set("/private/comment", null)], Roomy);
        Assert.Equal(["/private/comment=admin's", "/shared/comment=renamed team"], await SeenByAsync(team, _admin));
        Assert.Equal(["/shared/comment=renamed team"], await SeenByAsync(team, _bob));

        // RENAME keeps them (the mailbox id stays); DELETE takes them with it.
        await _store.RenameMailboxAsync(_admin, "Team", "Crew");
        Assert.Equal(["/private/comment=admin's", "/shared/comment=renamed team"], await SeenByAsync((await _store.FindMailboxAsync(_admin, "Crew"))!.Id, _admin));
        await _store.DeleteMailboxAsync(_admin, "Crew");
        Assert.Empty(await SeenByAsync(team, _admin));
        Assert.Empty(await SeenByAsync(team, _bob));
    }

    [Fact]
    public async Task A_change_past_a_limit_changes_nothing()
    {
        await _store.EnsureDefaultsAsync(_admin);
        var inbox = (await _store.FindMailboxAsync(_admin, "INBOX"))!.Id;
        await _store.SetMetadataAsync(inbox, _admin, [Set("/private/vendor/a/1", "1"), Set("/private/vendor/a/2", "2")], new(2, 1 << 20));
        var tooMany = await Assert.ThrowsAsync<MailboxException>(() => _store.SetMetadataAsync(inbox, _admin, [Set("/private/vendor/a/1", null), Set("/private/vendor/a/3", "3"), Set("/private/vendor/a/4", "4")], new(2, 1 << 20)));
        Assert.Equal("METADATA TOOMANY", tooMany.Code);
        Assert.Equal(["/private/vendor/a/1=1", "/private/vendor/a/2=2"], await SeenByAsync(inbox, _admin));

        var overQuota = await Assert.ThrowsAsync<MailboxException>(() => _store.SetMetadataAsync(null, _admin, [Set("/shared/comment", new string('x', 10))], new(100, 11)));
        Assert.Equal("OVERQUOTA", overQuota.Code);
        Assert.Empty(await SeenByAsync(null, _admin));
    }
}
