using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Accounts;

public class AuthenticatorTests
{
    [Fact]
    public async Task Repeated_failures_lock_the_account_even_for_the_right_password_until_the_lock_expires()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var services = await TestServices.CreateAsync(new Dictionary<string, string?>
        {
            ["Appliance:Security:LockoutThreshold"] = "3",
            ["Appliance:Security:LockoutMinutes"] = "15",
        }, clock);
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();

        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("admin@example.com", "wrong-1")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("admin@example.com", "wrong-2")).Outcome);
        var third = await auth.SignInAsync("admin@example.com", "wrong-3");
        Assert.Equal(SignInOutcome.LockedOut, third.Outcome);
        Assert.Equal(clock.GetUtcNow().AddMinutes(15), third.LockedUntil);
        Assert.Equal(SignInOutcome.LockedOut, (await auth.SignInAsync("admin@example.com", TestServices.AdminPassword)).Outcome);

        clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("admin@example.com", TestServices.AdminPassword)).Outcome);
        Assert.Equal(0, (await services.Get<UserService>().FindAsync("admin@example.com"))!.FailedLogins);
    }

    [Fact]
    public async Task A_remembered_password_never_admits_a_wrong_or_replaced_one_nor_a_disabled_user()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();
        var users = services.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"));
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("bob@example.com", "Str0ng-Passw0rd")).Outcome);
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("bob@example.com", "Str0ng-Passw0rd")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("bob@example.com", "Str0ng-Passw0rD")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("admin@example.com", "Str0ng-Passw0rd")).Outcome);

        await users.ResetPasswordAsync(Actor.CommandLine, "bob@example.com", "An0ther-Passw0rd");
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("bob@example.com", "Str0ng-Passw0rd")).Outcome);
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("bob@example.com", "An0ther-Passw0rd")).Outcome);

        await users.UpdateAsync(Actor.CommandLine, "bob@example.com", new UserChanges(Disabled: true));
        Assert.Equal(SignInOutcome.Disabled, (await auth.SignInAsync("bob@example.com", "An0ther-Passw0rd")).Outcome);
    }

    [Fact]
    public async Task Parallel_guesses_cannot_exceed_the_threshold()
    {
        await using var services = await TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:Security:LockoutThreshold"] = "3" });
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => auth.SignInAsync("admin@example.com", $"guess-{i}"))));
        // Only the attempts under the threshold ever reach the password check; the rest meet the lock.
        Assert.True(results.Count(r => r.Outcome == SignInOutcome.Failed) <= 2);
        Assert.Equal(SignInOutcome.LockedOut, (await auth.SignInAsync("admin@example.com", TestServices.AdminPassword)).Outcome);
    }

    [Fact]
    public async Task Success_resets_the_failure_count()
    {
        await using var services = await TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:Security:LockoutThreshold"] = "3" });
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();
        await auth.SignInAsync("admin@example.com", "wrong");
        await auth.SignInAsync("admin@example.com", "wrong");
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("admin@example.com", TestServices.AdminPassword)).Outcome);
        await auth.SignInAsync("admin@example.com", "wrong");
        await auth.SignInAsync("admin@example.com", "wrong");
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("admin@example.com", TestServices.AdminPassword)).Outcome);
    }

    [Fact]
    public async Task Unknown_address_and_wrong_password_get_the_same_answer()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("nobody@example.com", "whatever")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("admin@example.com", "whatever")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("", "")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync(null, null)).Outcome);
    }

    [Fact]
    public void Pause_after_a_failure_doubles_up_to_the_cap()
    {
        var o = new SecurityOptions { FailureDelayMilliseconds = 500, MaxFailureDelayMilliseconds = 8000 };
        Assert.Equal([500, 1000, 2000, 4000, 8000, 8000], Enumerable.Range(1, 6).Select(n => Authenticator.FailureDelay(n, o).TotalMilliseconds));
    }
}
