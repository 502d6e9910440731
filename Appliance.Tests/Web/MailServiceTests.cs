using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Mail;

namespace Appliance.Tests.Web;

/// <summary>The web client's service against a running host: rights, folders, drafts, completion.</summary>
public sealed class MailServiceTests : IAsyncLifetime
{
    private RunningHost _host = null!;
    private MailService _mail = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync();
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("alice@example.com", "Str0ng-Passw0rd", "Alice Martin"));
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob Keller"));
        _mail = _host.Get<MailService>();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<MailUser> UserAsync(string address) => (await _mail.UserAsync(address))!;

    [Fact]
    public async Task Completion_offers_directory_users_by_name_and_address()
    {
        var alice = await UserAsync("alice@example.com");
        Assert.Contains("Bob Keller <bob@example.com>", await _mail.SuggestAsync(alice, "bob"));
        Assert.Contains("Bob Keller <bob@example.com>", await _mail.SuggestAsync(alice, "kel"));
        Assert.Empty(await _mail.SuggestAsync(alice, "zz"));
    }
}
