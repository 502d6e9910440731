using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Filtering.Scanning;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Scanning;

public sealed class PrivateSpamdFixture : IAsyncLifetime
{
    public PrivateSpamd Spamd { get; private set; } = null!;

    public async Task InitializeAsync() => Spamd = await PrivateSpamd.StartAsync();

    public async Task DisposeAsync() => await Spamd.DisposeAsync();
}

/// <summary>The spamc client against a real spamd (Debian's SpamAssassin 4) started privately with local rules only.</summary>
public sealed class SpamdClientTests(PrivateSpamdFixture fixture) : IClassFixture<PrivateSpamdFixture>
{
    private SpamdClient Client(SpamdCommand command = SpamdCommand.Report, long maxMessageBytes = 512_000, int? port = null) =>
        new(Options.Create(new SpamAssassinOptions
        {
            Enabled = true,
            Address = "127.0.0.1",
            Port = port ?? fixture.Spamd.Port,
            Command = command,
            MaxMessageBytes = maxMessageBytes,
            Timeout = TimeSpan.FromSeconds(60),
        }));

    [Fact]
    public async Task Gtube_scores_over_the_threshold_with_GTUBE_and_its_points_in_the_report()
    {
        var result = await Client(SpamdCommand.Report).CheckAsync(new MemoryStream(ScanMessages.Gtube()));

        Assert.True(result.IsScored, result.ToString());
        Assert.True(result.Verdict.IsSpam, result.ToString());
        Assert.Equal(5.0, result.Verdict.Threshold);
        Assert.True(result.Verdict.Score >= 1000, result.ToString());
        var gtube = Assert.Single(result.Verdict.Symbols, s => s.Name == "GTUBE");
        Assert.Equal(1000, gtube.Points);
        Assert.Contains("Unsolicited Bulk Email", gtube.Description, StringComparison.Ordinal);
        // The score is the sum of the rows' points, as spamd rounds them (one decimal).
        Assert.Equal(result.Verdict.Score, result.Verdict.Symbols.Sum(s => s.Points!.Value), 0.5 + (0.05 * result.Verdict.Symbols.Count));
    }

    [Fact]
    public async Task Gtube_with_SYMBOLS_names_the_rules_without_points()
    {
        var result = await Client(SpamdCommand.Symbols).CheckAsync(new MemoryStream(ScanMessages.Gtube()));

        Assert.True(result.IsScored, result.ToString());
        Assert.True(result.Verdict.IsSpam);
        Assert.Contains(result.Verdict.Symbols, s => s.Name == "GTUBE" && s.Points is null);
        Assert.All(result.Verdict.Symbols, s => Assert.Matches("^[A-Z0-9_]+$", s.Name));
    }

    [Fact]
    public async Task Check_gives_the_score_and_threshold_alone()
    {
        var result = await Client(SpamdCommand.Check).CheckAsync(new MemoryStream(ScanMessages.Gtube()));

        Assert.True(result.IsScored, result.ToString());
        Assert.True(result.Verdict is { IsSpam: true, Score: >= 1000, Threshold: 5.0 }, result.ToString());
        Assert.Empty(result.Verdict.Symbols);
    }

    [Theory]
    [InlineData(SpamdCommand.Report)]
    [InlineData(SpamdCommand.Symbols)]
    public async Task A_plain_message_is_not_spam(SpamdCommand command)
    {
        var result = await Client(command).CheckAsync(new MemoryStream(ScanMessages.Plain()));

        Assert.True(result.IsScored, result.ToString());
        Assert.False(result.Verdict.IsSpam, result.ToString());
        Assert.True(result.Verdict.Score < result.Verdict.Threshold, result.ToString());
        Assert.DoesNotContain(result.Verdict.Symbols, s => s.Name == "GTUBE");
    }

    [Fact]
    public async Task The_message_is_read_from_the_stream_position_to_its_end()
    {
        var junk = "garbage before the message\r\n"u8.ToArray();
        var stream = new MemoryStream([.. junk, .. ScanMessages.Gtube()]) { Position = junk.Length };

        var result = await Client(SpamdCommand.Symbols).CheckAsync(stream);

        Assert.True(result.IsScored && result.Verdict.IsSpam, result.ToString());
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public async Task The_user_is_sent_to_spamd()
    {
        var result = await Client().CheckAsync(new MemoryStream(ScanMessages.Plain()), user: "anna-scan-test");

        Assert.True(result.IsScored, result.ToString());
        // spamd logs "checking message <id> for anna-scan-test:65534"; the log is written as the check ends.
        var clock = Stopwatch.StartNew();
        while (!fixture.Spamd.Log().Contains("for anna-scan-test:", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }
        Assert.Contains("for anna-scan-test:", fixture.Spamd.Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_over_MaxMessageBytes_is_not_sent_and_is_marked_too_large()
    {
        // A listener in spamd's place: nothing may connect to it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var message = ScanMessages.Plain(new string('x', 3000) + "\r\n");

            var result = await Client(maxMessageBytes: 2048, port: port).CheckAsync(new MemoryStream(message));

            Assert.False(result.IsScored);
            Assert.Equal(ScanFailureKind.TooLarge, result.Failure.Kind);
            Assert.False(result.Failure.IsTemporary);
            Assert.Contains("MaxMessageBytes", result.Failure.Detail, StringComparison.Ordinal);
            Assert.False(listener.Pending(), "the client connected although the message was too large");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Ping_says_spamd_is_up()
    {
        var health = await Client().PingAsync();

        Assert.True(health.IsUp, health.Failure?.Detail);
        Assert.True(health.RoundTrip < TimeSpan.FromSeconds(30));
    }
}
