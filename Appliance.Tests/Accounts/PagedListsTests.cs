using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Accounts;

/// <summary>
/// The console's grids ask for one page at a time: the rows come from SQL in the asked order, the total counts
/// every match, and only an administrator may ask.
/// </summary>
public sealed class PagedListsTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin@example.com", true);
    private static readonly Actor Plain = new("bob@example.com", false);
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        await _services.SetUpAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Users_page_sorts_by_a_column_searches_and_counts_every_match()
    {
        var users = _services.Get<UserService>();
        for (var i = 0; i < 12; i++)
        {
            await users.AddAsync(Admin, new NewUser($"u{i:00}@example.com", "Str0ng-Passw0rd", i % 2 == 0 ? "Even" : "Odd", QuotaBytes: i * 1024));
        }

        var first = await users.PageAsync(Admin, new PageQuery(0, 5, "QuotaBytes", Descending: true));
        Assert.Equal(13, first.Total);
        Assert.Equal(["u11@example.com", "u10@example.com", "u09@example.com", "u08@example.com", "u07@example.com"], first.Items.Select(u => u.Address));
        var last = await users.PageAsync(Admin, new PageQuery(10, 5, "QuotaBytes", Descending: true));
        Assert.Equal(["u01@example.com", "u00@example.com", "admin@example.com"], last.Items.Select(u => u.Address));

        var odd = await users.PageAsync(Admin, new PageQuery(0, 3, "Address", Search: "odd"));
        Assert.Equal(6, odd.Total);
        Assert.Equal(["u01@example.com", "u03@example.com", "u05@example.com"], odd.Items.Select(u => u.Address));

        // A sort the store does not know is its default order, never SQL.
        var unknown = await users.PageAsync(Admin, new PageQuery(0, 2, "password_hash; DROP TABLE users"));
        Assert.Equal(["admin@example.com", "u00@example.com"], unknown.Items.Select(u => u.Address));
    }

    [Fact]
    public async Task Alias_and_group_pages_limit_the_entries_not_their_targets_or_members()
    {
        var aliases = _services.Get<AliasService>();
        var groups = _services.Get<GroupService>();
        await _services.Get<UserService>().AddAsync(Admin, new NewUser("bob@example.com", "Str0ng-Passw0rd"));
        for (var i = 0; i < 3; i++)
        {
            await aliases.AddAsync(Admin, $"a{i}@example.com", ["admin@example.com", "bob@example.com", $"x{i}@elsewhere.example"]);
            await groups.AddAsync(Admin, $"g{i}@example.com", $"Group {i}");
            await groups.AddMemberAsync(Admin, $"g{i}@example.com", "admin@example.com");
            await groups.AddMemberAsync(Admin, $"g{i}@example.com", "bob@example.com");
        }

        var aliasPage = await aliases.PageAsync(Admin, new PageQuery(0, 2, "Address", Descending: true));
        Assert.Equal(3, aliasPage.Total);
        Assert.Equal(["a2@example.com", "a1@example.com"], aliasPage.Items.Select(a => a.Address));
        Assert.All(aliasPage.Items, a => Assert.Equal(3, a.Targets.Count));
        var byTarget = await aliases.PageAsync(Admin, new PageQuery(Search: "x1@elsewhere"));
        Assert.Equal("a1@example.com", Assert.Single(byTarget.Items).Address);

        var groupPage = await groups.PageAsync(Admin, new PageQuery(1, 2));
        Assert.Equal(3, groupPage.Total);
        Assert.Equal(["g1@example.com", "g2@example.com"], groupPage.Items.Select(g => g.Address));
        Assert.All(groupPage.Items, g => Assert.Equal(["admin@example.com", "bob@example.com"], g.Members));
        Assert.Equal(3, (await groups.PageAsync(Admin, new PageQuery(Search: "bob@"))).Total);
    }

    [Fact]
    public async Task Domain_page_sorts_by_its_counts()
    {
        var domains = _services.Get<DomainService>();
        await domains.AddAsync(Admin, "example.org");
        await domains.AddAsync(Admin, "example.net");
        await _services.Get<UserService>().AddAsync(Admin, new NewUser("bob@example.net", "Str0ng-Passw0rd"));
        await _services.Get<UserService>().AddAsync(Admin, new NewUser("eve@example.net", "Str0ng-Passw0rd"));

        var page = await domains.PageAsync(Admin, new PageQuery(Sort: nameof(Domain.UserCount), Descending: true));
        Assert.Equal(["example.net", "example.com", "example.org"], page.Items.Select(d => d.Name));
        Assert.Equal(["example.org"], (await domains.PageAsync(Admin, new PageQuery(Search: ".org"))).Items.Select(d => d.Name));
    }

    [Fact]
    public async Task Audit_page_filters_by_area_and_sorts_oldest_first_when_asked()
    {
        var audit = _services.Get<AuditLog>();
        await _services.Get<DomainService>().AddAsync(Admin, "example.org");
        await _services.Get<UserService>().AddAsync(Admin, new NewUser("bob@example.org", "Str0ng-Passw0rd"));

        var newest = await audit.PageAsync(Admin, new PageQuery());
        Assert.Equal(["user.add", "domain.add", "setup.complete"], newest.Items.Select(e => e.Action));
        var oldest = await audit.PageAsync(Admin, new PageQuery(Sort: nameof(AuditEntry.At)));
        Assert.Equal("setup.complete", oldest.Items[0].Action);
        var domainsOnly = await audit.PageAsync(Admin, new PageQuery(), "domain");
        Assert.Equal("domain.add", Assert.Single(domainsOnly.Items).Action);
        // An area that is not one of ours filters nothing rather than becoming a LIKE pattern.
        Assert.Equal(3, (await audit.PageAsync(Admin, new PageQuery(), "%")).Total);
    }

    [Fact]
    public async Task Only_an_administrator_may_ask_for_a_page_of_anything()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => _services.Get<DomainService>().PageAsync(Plain, new PageQuery()));
        await Assert.ThrowsAsync<ForbiddenException>(() => _services.Get<UserService>().PageAsync(Plain, new PageQuery()));
        await Assert.ThrowsAsync<ForbiddenException>(() => _services.Get<AliasService>().PageAsync(Plain, new PageQuery()));
        await Assert.ThrowsAsync<ForbiddenException>(() => _services.Get<GroupService>().PageAsync(Plain, new PageQuery()));
        await Assert.ThrowsAsync<ForbiddenException>(() => _services.Get<AuditLog>().PageAsync(Plain, new PageQuery()));
    }

    [Fact]
    public async Task Message_log_and_queue_pages_filter_and_sort_in_sql_for_administrators_only()
    {
        var log = new MessageLog(_services.Get<Database>(), TimeProvider.System);
        await log.WriteAsync(MessageStatus.Accepted, "a@elsewhere.example", "carol@example.com");
        await log.WriteAsync(MessageStatus.Rejected, "b@elsewhere.example", "ghost@example.com", detail: "550 5.1.1 no such user");
        await log.WriteAsync(MessageStatus.Delivered, "a@elsewhere.example", "alice@example.com");

        var rejected = await log.PageAsync(Admin, new PageQuery(), MessageStatus.Rejected, null, null);
        Assert.Equal("ghost@example.com", Assert.Single(rejected.Items).Recipient);
        var byRecipient = await log.PageAsync(Admin, new PageQuery(Sort: nameof(MessageLogEntry.Recipient)), null, null, null);
        Assert.Equal(["alice@example.com", "carol@example.com", "ghost@example.com"], byRecipient.Items.Select(e => e.Recipient));
        Assert.Equal(2, (await log.PageAsync(Admin, new PageQuery(Search: "a@elsewhere"), null, null, null)).Total);
        Assert.Equal(0, (await log.PageAsync(Admin, new PageQuery(), null, DateTimeOffset.UtcNow.AddDays(1), null)).Total);

        await Assert.ThrowsAsync<ForbiddenException>(() => log.PageAsync(Plain, new PageQuery(), null, null, null));
        var queue = new OutboundQueue(_services.Get<Database>(), TimeProvider.System);
        Assert.Equal(0, (await queue.PageAsync(Admin, new PageQuery(Sort: nameof(QueuedRecipient.Attempts)))).Total);
        await Assert.ThrowsAsync<ForbiddenException>(() => queue.PageAsync(Plain, new PageQuery()));
    }

    [Fact]
    public async Task A_missing_table_is_a_storage_error_the_console_can_show()
    {
        await using (var connection = await _services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE users RENAME TO users_elsewhere");
        }
        await Assert.ThrowsAsync<StorageException>(() => _services.Get<UserService>().PageAsync(Admin, new PageQuery()));
    }
}
