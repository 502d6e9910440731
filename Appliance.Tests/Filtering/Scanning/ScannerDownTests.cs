using Appliance.Filtering.Scanning;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>A configured scanner that stops gives "down", a temporary failure, and never a verdict.</summary>
public sealed class ScannerDownTests
{
    [Fact]
    public async Task Stopping_spamd_gives_down()
    {
        await using var spamd = await PrivateSpamd.StartAsync();
        var client = new SpamdClient(Options.Create(new SpamAssassinOptions { Enabled = true, Port = spamd.Port, Timeout = TimeSpan.FromSeconds(30) }));
        var before = await client.CheckAsync(new MemoryStream(ScanMessages.Gtube()));
        Assert.True(before.IsScored && before.Verdict.IsSpam, before.ToString());

        await spamd.StopAsync();

        var after = await client.CheckAsync(new MemoryStream(ScanMessages.Gtube()));
        Assert.False(after.IsScored);
        Assert.Equal(ScanFailureKind.Down, after.Failure.Kind);
        Assert.True(after.Failure.IsTemporary);
        Assert.Contains($"127.0.0.1:{spamd.Port}", after.Failure.Detail, StringComparison.Ordinal);
        var health = await client.PingAsync();
        Assert.False(health.IsUp);
        Assert.Equal(ScanFailureKind.Down, health.Failure!.Kind);
    }

    [Fact]
    public async Task Stopping_clamd_gives_down_over_tcp_and_the_unix_socket()
    {
        await using var clamd = await PrivateClamd.StartAsync();
        var tcp = new ClamdClient(Options.Create(new ClamAvOptions { Enabled = true, Port = clamd.Port, Timeout = TimeSpan.FromSeconds(30) }));
        var unix = new ClamdClient(Options.Create(new ClamAvOptions { Enabled = true, SocketPath = clamd.SocketPath, Timeout = TimeSpan.FromSeconds(30) }));
        Assert.True((await tcp.ScanAsync(new MemoryStream(PrivateClamd.Eicar))).IsInfected);
        Assert.True((await unix.ScanAsync(new MemoryStream(PrivateClamd.Eicar))).IsInfected);

        await clamd.StopAsync();

        foreach (var client in new[] { tcp, unix })
        {
            var result = await client.ScanAsync(new MemoryStream(PrivateClamd.Eicar));
            Assert.Equal(VirusScanStatus.Failed, result.Status);
            Assert.Equal(ScanFailureKind.Down, result.Failure!.Kind);
            Assert.True(result.Failure.IsTemporary);
            var health = await client.PingAsync();
            Assert.Equal(ScanFailureKind.Down, health.Failure?.Kind);
        }
    }

    [Fact]
    public async Task A_socket_path_where_nothing_listens_gives_down()
    {
        using var directory = new TempDirectory();
        var client = new ClamdClient(Options.Create(new ClamAvOptions { SocketPath = Path.Combine(directory.Path, "clamd.ctl") }));

        var result = await client.ScanAsync(new MemoryStream(PrivateClamd.Eicar));

        Assert.Equal(ScanFailureKind.Down, result.Failure?.Kind);
    }
}
