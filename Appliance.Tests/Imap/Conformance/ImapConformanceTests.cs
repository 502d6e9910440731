using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap.Conformance;

/// <summary>
/// The bugs the independent conformance suite found (issue 10), one transcript each against the running host. Split by
/// command over the partial files beside this one; each names the RFC rule it holds the server to.
/// </summary>
public sealed partial class ImapConformanceTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000");
        var users = _host.Get<UserService>();
        foreach (var user in new[] { "rename", "list", "lsub", "recursive", "condstore", "keywords", "search", "examine", "envelope" })
        {
            await users.AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password, user));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A session over STARTTLS, signed in as <paramref name="user"/>@example.com (each test has a user of its own).</summary>
    private async Task<ImapWire> SignedInAsync(string user)
    {
        var wire = await ImapWire.ConnectAsync(_host.ImapPort);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        var login = await wire.CommandAsync("t1", $"LOGIN {user}@example.com {Password}");
        Assert.StartsWith("t1 OK", login[^1], StringComparison.Ordinal);
        return wire;
    }
}
