using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// LITERAL- (RFC 7888 §5) on the wire: offered beside LITERAL+ by default, alone with <c>Appliance:Imap:LiteralPlus=false</c>,
/// and then a non-synchronizing literal over 4096 octets is BAD [TOOBIG] while the session goes on.
/// </summary>
public sealed class ImapLiteralMinusTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:LiteralPlus=false");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("minus@example.com", Password, "minus"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Only_literal_minus_refuses_a_big_non_synchronizing_literal_and_keeps_serving()
    {
        await using var wire = await ImapWire.ConnectAsync(_host.ImapPort);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        var capability = (await wire.CommandAsync("a0", "CAPABILITY"))[0];
        Assert.Contains(" LITERAL- ", capability, StringComparison.Ordinal);
        Assert.DoesNotContain("LITERAL+", capability, StringComparison.Ordinal);
        Assert.StartsWith("a1 OK", (await wire.CommandAsync("a1", $"LOGIN minus@example.com {{{Password.Length}+}}\r\n{Password}"))[^1], StringComparison.Ordinal);

        var small = "Subject: s\r\n\r\n" + new string('x', 4096 - 14);
        Assert.StartsWith("a2 OK [APPENDUID", (await wire.CommandAsync("a2", $"APPEND INBOX {{4096+}}\r\n{small}"))[^1], StringComparison.Ordinal);
        var big = small + "y";
        Assert.Equal(["a3 BAD [TOOBIG] Non-synchronizing literals are limited to 4096 octets (LITERAL-)"], await wire.CommandAsync("a3", $"APPEND INBOX {{4097+}}\r\n{big}"));
        // The same message as a synchronizing literal is fine, and nothing of the refused one was stored.
        await wire.SendAsync("a4 APPEND INBOX {4097}\r\n");
        Assert.StartsWith("+ ", await wire.ReadLineAsync(), StringComparison.Ordinal);
        await wire.SendAsync(big + "\r\n");
        Assert.StartsWith("a4 OK [APPENDUID", (await wire.UntilTaggedAsync("a4"))[^1], StringComparison.Ordinal);
        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 2)", "a5 OK STATUS completed"], await wire.CommandAsync("a5", "STATUS INBOX (MESSAGES)"));
    }
}
