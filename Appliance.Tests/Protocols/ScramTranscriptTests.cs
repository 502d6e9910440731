using Appliance.Accounts;
using Appliance.Tests.Imap;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Infrastructure.ScramTestClient;

namespace Appliance.Tests.Protocols;

/// <summary>
/// SCRAM-SHA-256 byte by byte in each protocol: initial responses (SASL-IR, RFC 4954, RFC 5034), the
/// verifier as a last challenge answered empty, and the protocol's own reply to malformed messages.
/// </summary>
public sealed class ScramTranscriptTests : IAsyncLifetime
{
    private const string User = "bob@example.com";
    private const string Password = "Str0ng-Passw0rd";
    private readonly int _pop3 = FreePort.Get();
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync($"--Appliance:Listeners:Pop3={_pop3}", "--Appliance:Security:AllowPlaintextAuth=true",
            "--Appliance:Security:PasswordHashIterations=4096", "--Appliance:Security:FailureDelayMilliseconds=0");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser(User, Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task IMAP_with_SASL_IR_signs_in_and_sends_the_verifier_before_OK()
    {
        await using var wire = await ImapWire.ConnectAsync(_host.ImapPort);
        var client = new ScramTestClient(User, Password);
        await wire.SendAsync($"a1 AUTHENTICATE SCRAM-SHA-256 {Base64(client.ClientFirst())}\r\n");
        var serverFirst = Text((await wire.ReadLineAsync())[2..]);
        Assert.StartsWith("r=fyko+d2lbbFgONRv9qkxdawL", serverFirst, StringComparison.Ordinal);
        Assert.Contains(",i=4096", serverFirst, StringComparison.Ordinal);
        await wire.SendAsync(Base64(client.ClientFinal(serverFirst)) + "\r\n");
        Assert.Equal("+ " + Base64(client.ExpectedServerFinal), await wire.ReadLineAsync());
        await wire.SendAsync("\r\n");
        Assert.StartsWith("a1 OK [CAPABILITY", await wire.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IMAP_malformed_is_BAD_and_channel_binding_is_refused()
    {
        await using var wire = await ImapWire.ConnectAsync(_host.ImapPort);
        Assert.StartsWith("a1 BAD", (await wire.CommandAsync("a1", $"AUTHENTICATE SCRAM-SHA-256 {Base64("n,,r=x")}"))[^1], StringComparison.Ordinal);
        Assert.Equal("a2 NO [AUTHENTICATIONFAILED] Authentication failed (e=channel-binding-not-supported)",
            (await wire.CommandAsync("a2", $"AUTHENTICATE SCRAM-SHA-256 {Base64("p=tls-unique,,n=bob@example.com,r=x")}"))[^1]);
        await wire.SendAsync("a3 AUTHENTICATE SCRAM-SHA-256\r\n");
        Assert.Equal("+ ", await wire.ReadLineAsync());
        await wire.SendAsync("*\r\n");
        Assert.StartsWith("a3 BAD", await wire.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task POP3_with_and_without_an_initial_response()
    {
        await using var pop = await Pop3Transcript.ConnectAsync(_pop3);
        Assert.StartsWith("-ERR Malformed SCRAM message", await pop.ErrAsync("AUTH SCRAM-SHA-256 " + Base64("n,,n=bob")), StringComparison.Ordinal);
        var client = new ScramTestClient(User, Password);
        await pop.SendAsync("AUTH SCRAM-SHA-256\r\n");
        Assert.Equal("+ ", await pop.ReadStatusAsync());
        await pop.SendAsync(Base64(client.ClientFirst()) + "\r\n");
        var serverFirst = Text((await pop.ReadStatusAsync())[2..]);
        await pop.SendAsync(Base64(client.ClientFinal(serverFirst)) + "\r\n");
        Assert.Equal("+ " + Base64(client.ExpectedServerFinal), await pop.ReadStatusAsync());
        Assert.StartsWith("+OK 0 messages", await pop.OkAsync(""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SMTP_with_an_initial_response_and_a_wrong_proof()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(_host.SubmissionPort);
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Contains("AUTH PLAIN LOGIN SCRAM-SHA-256", ehlo.Lines);
        await smtp.CommandAsync("AUTH SCRAM-SHA-256 " + Base64("n,,n=bob@example.com"), 501, "5.5.2");
        var wrong = new ScramTestClient(User, "Wr0ng-Passw0rd");
        var first = await smtp.CommandAsync("AUTH SCRAM-SHA-256 " + Base64(wrong.ClientFirst()), 334);
        await smtp.CommandAsync(Base64(wrong.ClientFinal(Text(first.Lines[0]))), 535, "5.7.8");
        var client = new ScramTestClient(User, Password);
        first = await smtp.CommandAsync("AUTH SCRAM-SHA-256 " + Base64(client.ClientFirst()), 334);
        var final = await smtp.CommandAsync(Base64(client.ClientFinal(Text(first.Lines[0]))), 334);
        Assert.Equal(Base64(client.ExpectedServerFinal), final.Lines[0]);
        await smtp.CommandAsync("", 235, "2.7.0");
    }
}
