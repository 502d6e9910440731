using Appliance.Filtering.Scanning;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>A private rspamd (Debian's rules, no redis, no network), shared by one class's tests.</summary>
public sealed class PrivateRspamdFixture : IAsyncLifetime
{
    public PrivateRspamd Rspamd { get; private set; } = null!;

    public async Task InitializeAsync() => Rspamd = await PrivateRspamd.StartAsync();

    public async Task DisposeAsync() => await Rspamd.DisposeAsync();
}

/// <summary>The rspamd client against a real rspamd on loopback: GTUBE, plain mail, /ping, and an rspamd that is not there.</summary>
public sealed class RspamdClientTests(PrivateRspamdFixture fixture) : IClassFixture<PrivateRspamdFixture>
{
    // The envelope ScanMessages.Plain's header fields and Received line describe, so that only what a test adds decides.
    private static readonly RspamdEnvelope Envelope = new("bob@example.com", ["anna@example.org"], System.Net.IPAddress.Parse("192.0.2.10"), "mail.example.com");

    private RspamdClient Client(Action<RspamdOptions>? change = null)
    {
        var options = new RspamdOptions { Enabled = true, Url = fixture.Rspamd.Url, Timeout = TimeSpan.FromSeconds(60) };
        change?.Invoke(options);
        return new RspamdClient(Options.Create(options));
    }

    [Fact]
    public async Task Gtube_is_spam_with_rspamds_GTUBE_symbol_and_action_reject()
    {
        using var client = Client();

        var result = await client.CheckAsync(new MemoryStream(ScanMessages.Gtube()), Envelope);

        Assert.True(result.IsScored, result.ToString());
        Assert.True(result.Verdict.IsSpam);
        Assert.Equal("reject", result.Verdict.Action);
        Assert.Contains(result.Verdict.Symbols, s => s.Name == "GTUBE");
        Assert.True(result.Verdict.Score >= result.Verdict.Threshold, result.ToString());
    }

    [Fact]
    public async Task Plain_mail_is_not_spam_and_its_symbols_have_points_and_descriptions()
    {
        using var client = Client();

        var result = await client.CheckAsync(new MemoryStream(ScanMessages.Plain()), Envelope);

        Assert.True(result.IsScored, result.ToString());
        Assert.False(result.Verdict.IsSpam, result.ToString());
        Assert.Equal("no action", result.Verdict.Action);
        Assert.DoesNotContain(result.Verdict.Symbols, s => s.Name == "GTUBE");
        Assert.Contains(result.Verdict.Symbols, s => s.Points is not null && s.Description is { Length: > 0 });
    }

    [Fact]
    public async Task Ping_is_up_with_the_version_from_the_server_field()
    {
        using var client = Client();

        var (health, version) = await client.PingAsync();

        Assert.True(health.IsUp, health.Failure?.Detail);
        Assert.StartsWith("rspamd/", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_not_sent()
    {
        using var client = Client(o => o.MaxMessageBytes = 1024);

        var result = await client.CheckAsync(new MemoryStream(new byte[4096]), Envelope);

        Assert.Equal(ScanFailureKind.TooLarge, result.Failure?.Kind);
        Assert.False(result.Failure!.IsTemporary);
    }

    [Fact]
    public async Task Stopping_rspamd_gives_down()
    {
        await using var rspamd = await PrivateRspamd.StartAsync();
        using var client = new RspamdClient(Options.Create(new RspamdOptions { Enabled = true, Url = rspamd.Url }));
        Assert.True((await client.CheckAsync(new MemoryStream(ScanMessages.Gtube()), Envelope)).IsScored);

        await rspamd.StopAsync();

        var after = await client.CheckAsync(new MemoryStream(ScanMessages.Gtube()), Envelope);
        Assert.Equal(ScanFailureKind.Down, after.Failure?.Kind);
        Assert.True(after.Failure!.IsTemporary);
        Assert.Contains($"127.0.0.1:{rspamd.Port}", after.Failure.Detail, StringComparison.Ordinal);
        var (health, version) = await client.PingAsync();
        Assert.Equal(ScanFailureKind.Down, health.Failure?.Kind);
        Assert.Null(version);
    }
}
