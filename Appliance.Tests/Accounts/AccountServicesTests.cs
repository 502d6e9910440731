using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Accounts;

/// <summary>Domains, users, aliases and groups through the services the console and the command line share.</summary>
public class AccountServicesTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin@example.com", true);
    private static readonly Actor Plain = new("bob@example.com", false);
    private const string Password = "Str0ng-Passw0rd";
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        await _services.SetUpAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private DomainService Domains => _services.Get<DomainService>();
    private UserService Users => _services.Get<UserService>();
    private AliasService Aliases => _services.Get<AliasService>();
    private GroupService Groups => _services.Get<GroupService>();

    private async Task<int> AuditCountAsync() => (await _services.Get<AuditLog>().ListAsync(null, 0, 1)).Total;

    private async Task AssertRefusedAsync(string key, Func<Task> action)
    {
        var before = await AuditCountAsync();
        var e = await Assert.ThrowsAsync<AccountException>(action);
        Assert.Equal(key, e.Key);
        Assert.Equal(before, await AuditCountAsync());
    }

    [Fact]
    public async Task Domain_is_added_normalized_and_listed()
    {
        var domain = await Domains.AddAsync(Admin, " Example.ORG. ");
        Assert.Equal("example.org", domain.Name);
        Assert.Contains(await Domains.ListAsync(), d => d.Name == "example.org");
    }

    [Theory]
    [InlineData("not a domain", "Domain.Invalid")]
    [InlineData("localhost", "Domain.Invalid")]
    [InlineData("example.com", "Domain.Exists")]
    [InlineData("EXAMPLE.com", "Domain.Exists")]
    public async Task Bad_or_duplicate_domain_is_refused(string name, string key) =>
        await AssertRefusedAsync(key, () => Domains.AddAsync(Admin, name));

    [Fact]
    public async Task Domain_with_users_cannot_be_removed_until_empty()
    {
        await Domains.AddAsync(Admin, "example.net");
        await Users.AddAsync(Admin, new NewUser("carol@example.net", Password));
        await AssertRefusedAsync("Domain.NotEmpty", () => Domains.RemoveAsync(Admin, "example.net"));

        await Users.RemoveAsync(Admin, "carol@example.net");
        await Domains.RemoveAsync(Admin, "example.net");
        Assert.DoesNotContain(await Domains.ListAsync(), d => d.Name == "example.net");
        await AssertRefusedAsync("Domain.Unknown", () => Domains.RemoveAsync(Admin, "example.net"));
    }

    [Fact]
    public async Task Dns_records_name_the_host_for_MX_SPF_autoconfig_and_autodiscover()
    {
        var records = await Domains.DnsRecordsAsync("example.com");
        Assert.Contains(records, r => r is { Type: "MX", Name: "example.com.", Value: "10 mail.example.com." });
        Assert.Contains(records, r => r.Type == "TXT" && r.Value.Contains("v=spf1 mx", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Name == "autoconfig.example.com." && r.Value == "mail.example.com.");
        Assert.Contains(records, r => r.Name == "autodiscover.example.com.");
    }

    [Fact]
    public async Task User_is_added_with_name_quota_and_role_and_signs_in()
    {
        var user = await Users.AddAsync(Admin, new NewUser("Bob@Example.com", Password, "Bob Builder", 2L << 30, IsAdmin: false));
        Assert.Equal("bob@example.com", user.Address);
        Assert.Equal("Bob Builder", user.DisplayName);
        Assert.Equal(2L << 30, user.QuotaBytes);
        Assert.False(user.IsAdmin);
        var result = await _services.Get<Authenticator>().SignInAsync("BOB@example.com", Password);
        Assert.Equal(SignInOutcome.Success, result.Outcome);
    }

    [Theory]
    [InlineData("bob", "Address.Invalid")]
    [InlineData("bob@nowhere.example", "Domain.Unknown")]
    [InlineData("admin@example.com", "Address.Taken")]
    public async Task Bad_user_address_is_refused(string address, string key) =>
        await AssertRefusedAsync(key, () => Users.AddAsync(Admin, new NewUser(address, Password)));

    [Fact]
    public async Task Weak_password_is_refused_and_nothing_is_written()
    {
        await AssertRefusedAsync("Password.Weak", () => Users.AddAsync(Admin, new NewUser("bob@example.com", "password")));
        Assert.Null(await Users.FindAsync("bob@example.com"));
    }

    [Fact]
    public async Task Negative_quota_is_refused() =>
        await AssertRefusedAsync("Quota.Invalid", () => Users.AddAsync(Admin, new NewUser("bob@example.com", Password, QuotaBytes: -1)));

    [Fact]
    public async Task Address_of_an_alias_or_group_cannot_become_a_user()
    {
        await Aliases.AddAsync(Admin, "info@example.com", ["admin@example.com"]);
        await Groups.AddAsync(Admin, "team@example.com", "Team");
        await AssertRefusedAsync("Address.Taken", () => Users.AddAsync(Admin, new NewUser("info@example.com", Password)));
        await AssertRefusedAsync("Address.Taken", () => Users.AddAsync(Admin, new NewUser("team@example.com", Password)));
        await AssertRefusedAsync("Address.Taken", () => Groups.AddAsync(Admin, "info@example.com", null));
    }

    [Fact]
    public async Task Plain_user_cannot_call_any_administrator_action()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => Domains.AddAsync(Plain, "example.org"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Domains.RemoveAsync(Plain, "example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Users.AddAsync(Plain, new NewUser("eve@example.com", Password, IsAdmin: true)));
        await Assert.ThrowsAsync<ForbiddenException>(() => Users.UpdateAsync(Plain, "admin@example.com", new UserChanges(Disabled: true)));
        await Assert.ThrowsAsync<ForbiddenException>(() => Users.ResetPasswordAsync(Plain, "admin@example.com", Password));
        await Assert.ThrowsAsync<ForbiddenException>(() => Users.RemoveAsync(Plain, "admin@example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Aliases.AddAsync(Plain, "x@example.com", ["admin@example.com"]));
        await Assert.ThrowsAsync<ForbiddenException>(() => Groups.AddAsync(Plain, "g@example.com", null));
        await Assert.ThrowsAsync<ForbiddenException>(() => Groups.AddMemberAsync(Plain, "g@example.com", "admin@example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Groups.RemoveMemberAsync(Plain, "g@example.com", "admin@example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Groups.RemoveAsync(Plain, "g@example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Aliases.RemoveAsync(Plain, "x@example.com"));
        Assert.Null(await Users.FindAsync("eve@example.com"));
    }

    [Fact]
    public async Task Administrator_demoted_since_signing_in_is_refused_by_the_services()
    {
        await Users.AddAsync(Admin, new NewUser("second@example.com", Password, IsAdmin: true));
        var stale = new Actor("second@example.com", true); // what an open admin page still believes
        await Users.UpdateAsync(Admin, "second@example.com", new UserChanges(IsAdmin: false));
        await Assert.ThrowsAsync<ForbiddenException>(() => Users.AddAsync(stale, new NewUser("eve@example.com", Password, IsAdmin: true)));
        await Assert.ThrowsAsync<ForbiddenException>(() => Domains.AddAsync(stale, "example.org"));
        await Assert.ThrowsAsync<ForbiddenException>(() => Aliases.AddAsync(stale, "x@example.com", ["admin@example.com"]));
        await Assert.ThrowsAsync<ForbiddenException>(() => Groups.AddAsync(stale, "g@example.com", null));
        Assert.Null(await Users.FindAsync("eve@example.com"));
        var ghost = new Actor("gone@example.com", true);
        await Assert.ThrowsAsync<ForbiddenException>(() => Domains.AddAsync(ghost, "example.org"));
    }

    [Fact]
    public async Task Wrong_current_passwords_count_towards_the_lockout()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        var auth = _services.Get<Authenticator>();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<AccountException>(() => Users.ChangeOwnPasswordAsync("bob@example.com", "Wr0ng-Passw0rd", "N3w-Passw0rd!", auth));
        }
        var e = await Assert.ThrowsAsync<AccountException>(() => Users.ChangeOwnPasswordAsync("bob@example.com", Password, "N3w-Passw0rd!", auth));
        Assert.Equal("Password.Locked", e.Key);
        Assert.Equal(SignInOutcome.LockedOut, (await auth.SignInAsync("bob@example.com", Password)).Outcome);
    }

    [Fact]
    public async Task Edit_changes_name_quota_role_and_status()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        var before = await Users.FindAsync("bob@example.com");
        var after = await Users.UpdateAsync(Admin, "bob@example.com", new UserChanges("Robert", 1L << 30, IsAdmin: true, Disabled: true));
        Assert.Equal("Robert", after.DisplayName);
        Assert.Equal(1L << 30, after.QuotaBytes);
        Assert.True(after.IsAdmin);
        Assert.True(after.Disabled);
        Assert.NotEqual(before!.SecurityStamp, after.SecurityStamp);
        Assert.Equal(SignInOutcome.Disabled, (await _services.Get<Authenticator>().SignInAsync("bob@example.com", Password)).Outcome);
    }

    [Fact]
    public async Task Last_active_administrator_cannot_be_removed_disabled_or_demoted()
    {
        await AssertRefusedAsync("User.LastAdministrator", () => Users.RemoveAsync(Admin, "admin@example.com"));
        await AssertRefusedAsync("User.LastAdministrator", () => Users.UpdateAsync(Admin, "admin@example.com", new UserChanges(Disabled: true)));
        await AssertRefusedAsync("User.LastAdministrator", () => Users.UpdateAsync(Admin, "admin@example.com", new UserChanges(IsAdmin: false)));

        await Users.AddAsync(Admin, new NewUser("second@example.com", Password, IsAdmin: true));
        await Users.UpdateAsync(Admin, "admin@example.com", new UserChanges(IsAdmin: false));
        Assert.False((await Users.FindAsync("admin@example.com"))!.IsAdmin);
    }

    [Fact]
    public async Task Own_password_change_needs_the_current_password()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        await AssertRefusedAsync("Password.WrongCurrent", () => Users.ChangeOwnPasswordAsync("bob@example.com", "Wr0ng-Passw0rd", "N3w-Passw0rd!", _services.Get<Authenticator>()));
        await AssertRefusedAsync("Password.Weak", () => Users.ChangeOwnPasswordAsync("bob@example.com", Password, "weak", _services.Get<Authenticator>()));
        await AssertRefusedAsync("Password.Unchanged", () => Users.ChangeOwnPasswordAsync("bob@example.com", Password, Password, _services.Get<Authenticator>()));

        await Users.ChangeOwnPasswordAsync("bob@example.com", Password, "N3w-Passw0rd!", _services.Get<Authenticator>());
        var auth = _services.Get<Authenticator>();
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("bob@example.com", Password)).Outcome);
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("bob@example.com", "N3w-Passw0rd!")).Outcome);
    }

    [Fact]
    public async Task Administrator_resets_a_password_without_the_old_one()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        await Users.ResetPasswordAsync(Admin, "bob@example.com", "R3set-Passw0rd");
        Assert.Equal(SignInOutcome.Success, (await _services.Get<Authenticator>().SignInAsync("bob@example.com", "R3set-Passw0rd")).Outcome);
        await AssertRefusedAsync("User.Unknown", () => Users.ResetPasswordAsync(Admin, "nobody@example.com", "R3set-Passw0rd"));
    }

    [Fact]
    public async Task Alias_points_to_local_and_external_targets()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        var alias = await Aliases.AddAsync(Admin, "Sales@example.com", ["bob@example.com, partner@elsewhere.example", "admin@example.com"]);
        Assert.Equal("sales@example.com", alias.Address);
        Assert.Equal(["admin@example.com", "bob@example.com", "partner@elsewhere.example"], alias.Targets.Order());
        Assert.Contains(await Aliases.ListAsync(), a => a.Address == "sales@example.com" && a.Targets.Count == 3);
    }

    [Fact]
    public async Task Bad_aliases_are_refused()
    {
        await AssertRefusedAsync("Alias.NoTargets", () => Aliases.AddAsync(Admin, "a@example.com", [" "]));
        await AssertRefusedAsync("Alias.InvalidTarget", () => Aliases.AddAsync(Admin, "a@example.com", ["not-an-address"]));
        await AssertRefusedAsync("Alias.UnknownLocalTarget", () => Aliases.AddAsync(Admin, "a@example.com", ["ghost@example.com"]));
        await AssertRefusedAsync("Alias.PointsToItself", () => Aliases.AddAsync(Admin, "a@example.com", ["a@example.com"]));
        await AssertRefusedAsync("Domain.Unknown", () => Aliases.AddAsync(Admin, "a@other.example", ["admin@example.com"]));
        await AssertRefusedAsync("Address.Taken", () => Aliases.AddAsync(Admin, "admin@example.com", ["x@elsewhere.example"]));
        Assert.Empty(await Aliases.ListAsync());
    }

    [Fact]
    public async Task User_with_an_alias_pointing_at_them_is_removed_only_after_the_alias()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        await Aliases.AddAsync(Admin, "b@example.com", ["bob@example.com"]);
        await AssertRefusedAsync("User.HasAliases", () => Users.RemoveAsync(Admin, "bob@example.com"));
        await Aliases.RemoveAsync(Admin, "b@example.com");
        await Users.RemoveAsync(Admin, "bob@example.com");
        Assert.Null(await Users.FindAsync("bob@example.com"));
    }

    [Fact]
    public async Task Group_expands_to_members_that_come_and_go()
    {
        await Users.AddAsync(Admin, new NewUser("bob@example.com", Password));
        await Groups.AddAsync(Admin, "team@example.com", "The team");
        await Groups.AddMemberAsync(Admin, "team@example.com", "bob@example.com");
        await Groups.AddMemberAsync(Admin, "TEAM@example.com", "admin@example.com");
        Assert.Equal(["admin@example.com", "bob@example.com"], (await Groups.FindAsync("team@example.com"))!.Members);

        await AssertRefusedAsync("Group.AlreadyMember", () => Groups.AddMemberAsync(Admin, "team@example.com", "bob@example.com"));
        await AssertRefusedAsync("User.Unknown", () => Groups.AddMemberAsync(Admin, "team@example.com", "ghost@example.com"));
        await AssertRefusedAsync("Group.Unknown", () => Groups.AddMemberAsync(Admin, "nope@example.com", "bob@example.com"));

        await Groups.RemoveMemberAsync(Admin, "team@example.com", "bob@example.com");
        Assert.Equal(["admin@example.com"], (await Groups.FindAsync("team@example.com"))!.Members);
        await AssertRefusedAsync("Group.NotMember", () => Groups.RemoveMemberAsync(Admin, "team@example.com", "bob@example.com"));

        // A removed user leaves every group.
        await Groups.AddMemberAsync(Admin, "team@example.com", "bob@example.com");
        await Users.RemoveAsync(Admin, "bob@example.com");
        Assert.Equal(["admin@example.com"], (await Groups.FindAsync("team@example.com"))!.Members);

        await Groups.RemoveAsync(Admin, "team@example.com");
        Assert.Empty(await Groups.ListAsync());
    }

    [Fact]
    public async Task Users_are_searchable_and_paged()
    {
        for (var i = 0; i < 25; i++)
        {
            await Users.AddAsync(Admin, new NewUser($"user{i:00}@example.com", Password, i % 5 == 0 ? "Finance person" : null));
        }
        var (first, total) = await Users.ListAsync(null, 0, 10);
        Assert.Equal(26, total);
        Assert.Equal(10, first.Count);
        var (last, _) = await Users.ListAsync(null, 20, 10);
        Assert.Equal(6, last.Count);
        var (finance, financeTotal) = await Users.ListAsync("finance", 0, 10);
        Assert.Equal(5, financeTotal);
        Assert.All(finance, u => Assert.Equal("Finance person", u.DisplayName));
        var (literal, _) = await Users.ListAsync("%", 0, 100);
        Assert.Empty(literal);
    }
}
