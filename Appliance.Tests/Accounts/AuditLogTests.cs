using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Accounts;

public class AuditLogTests
{
    [Fact]
    public async Task Every_change_is_logged_with_who_when_and_what_newest_first()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
        await using var services = await TestServices.CreateAsync(time: clock);
        await services.SetUpAsync();
        var admin = new Actor("admin@example.com", true);
        clock.Advance(TimeSpan.FromMinutes(1));
        await services.Get<DomainService>().AddAsync(admin, "example.org");
        clock.Advance(TimeSpan.FromMinutes(1));
        await services.Get<UserService>().AddAsync(admin, new NewUser("bob@example.org", "Str0ng-Passw0rd", "Bob", 1024));
        clock.Advance(TimeSpan.FromMinutes(1));
        await services.Get<AliasService>().AddAsync(admin, "b@example.org", ["bob@example.org"]);

        var (entries, total) = await services.Get<AuditLog>().ListAsync(null, 0, 10);

        Assert.Equal(4, total);
        Assert.Equal(["alias.add", "user.add", "domain.add", "setup.complete"], entries.Select(e => e.Action));
        Assert.Equal(["admin@example.com", "admin@example.com", "admin@example.com", "setup"], entries.Select(e => e.Actor));
        Assert.Equal("bob@example.org", entries[1].Target);
        Assert.Contains("quota=1024", entries[1].Detail, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow(), entries[0].At);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 2, 0, TimeSpan.Zero), entries[1].At);
        Assert.DoesNotContain(entries, e => e.Detail.Contains("Str0ng", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_log_is_searchable()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var admin = new Actor("admin@example.com", true);
        await services.Get<DomainService>().AddAsync(admin, "example.org");
        await services.Get<DomainService>().AddAsync(admin, "example.net");

        var (entries, total) = await services.Get<AuditLog>().ListAsync("example.net", 0, 10);
        Assert.Equal(1, total);
        Assert.Equal("domain.add", Assert.Single(entries).Action);
    }

    [Fact]
    public async Task Refused_change_writes_nothing_to_the_log()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var log = services.Get<AuditLog>();
        var before = (await log.ListAsync(null, 0, 1)).Total;
        await Assert.ThrowsAsync<AccountException>(() => services.Get<DomainService>().AddAsync(new Actor("admin@example.com", true), "example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => services.Get<DomainService>().AddAsync(new Actor("bob@example.com", false), "example.org"));
        Assert.Equal(before, (await log.ListAsync(null, 0, 1)).Total);
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
