using System.Net;
using System.Net.Sockets;
using Appliance.Filtering.Scanning;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Scanning;

public sealed class PrivateClamdFixture : IAsyncLifetime
{
    /// <summary>clamd's StreamMaxLength here: 1 MiB, so that its own refusal is quick to reach.</summary>
    public const int StreamMaxLength = 1 << 20;

    public PrivateClamd Clamd { get; private set; } = null!;

    public async Task InitializeAsync() => Clamd = await PrivateClamd.StartAsync(StreamMaxLength);

    public async Task DisposeAsync() => await Clamd.DisposeAsync();
}

/// <summary>The INSTREAM client against a real clamd (Debian's ClamAV 1.4) with the EICAR signature alone.</summary>
public sealed class ClamdClientTests(PrivateClamdFixture fixture) : IClassFixture<PrivateClamdFixture>
{
    private const string ReportedName = PrivateClamd.SignatureName + ".UNOFFICIAL";

    private ClamdClient Client(bool unixSocket = false, long maxStreamBytes = ClamAvOptions.ClamdDefaultStreamMaxLength, int? port = null) =>
        new(Options.Create(new ClamAvOptions
        {
            Enabled = true,
            SocketPath = unixSocket ? fixture.Clamd.SocketPath : "",
            Address = "127.0.0.1",
            Port = port ?? fixture.Clamd.Port,
            MaxStreamBytes = maxStreamBytes,
            Timeout = TimeSpan.FromSeconds(60),
        }));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_eicar_file_is_found_and_named(bool unixSocket)
    {
        var result = await Client(unixSocket).ScanAsync(new MemoryStream(PrivateClamd.Eicar));

        Assert.True(result.IsInfected, result.ToString());
        Assert.Equal(ReportedName, result.VirusName);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Eicar_zipped_in_a_base64_attachment_is_found(bool unixSocket)
    {
        var result = await Client(unixSocket).ScanAsync(new MemoryStream(ScanMessages.EicarInZipAttachment()));

        Assert.True(result.IsInfected, result.ToString());
        Assert.Equal(ReportedName, result.VirusName);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_clean_message_is_clean(bool unixSocket)
    {
        var result = await Client(unixSocket).ScanAsync(new MemoryStream(ScanMessages.Plain()));

        Assert.Equal(VirusScanStatus.Clean, result.Status);
        Assert.Null(result.Failure);
    }

    [Fact]
    public async Task A_message_of_many_chunks_is_scanned_whole()
    {
        // 600 KB of text with the test file at the end: found only if every chunk arrived in order.
        var message = ScanMessages.Plain(string.Concat(Enumerable.Repeat("a line of an ordinary long message\r\n", 16_000)));
        var result = await Client().ScanAsync(new MemoryStream([.. message, .. PrivateClamd.Eicar]));

        Assert.True(result.IsInfected, result.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stream_over_clamds_StreamMaxLength_gets_clamds_size_error(bool unixSocket)
    {
        var message = new byte[(2 * PrivateClamdFixture.StreamMaxLength) + 12345];
        Random.Shared.NextBytes(message);

        var result = await Client(unixSocket).ScanAsync(new MemoryStream(message));

        Assert.True(result.IsFailed, result.ToString());
        Assert.Equal(ScanFailureKind.TooLarge, result.Failure.Kind);
        Assert.Contains("INSTREAM size limit exceeded", result.Failure.Detail, StringComparison.Ordinal);
        // clamd goes on serving.
        Assert.True((await Client(unixSocket).PingAsync()).IsUp);
    }

    [Fact]
    public async Task A_message_over_MaxStreamBytes_is_not_sent()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;

            var result = await Client(maxStreamBytes: 4096, port: port).ScanAsync(new MemoryStream(new byte[4097]));

            Assert.True(result.IsFailed);
            Assert.Equal(ScanFailureKind.TooLarge, result.Failure.Kind);
            Assert.Contains("MaxStreamBytes", result.Failure.Detail, StringComparison.Ordinal);
            Assert.False(listener.Pending(), "the client connected although the message was too large");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ping_and_version_say_clamd_is_up(bool unixSocket)
    {
        var client = Client(unixSocket);

        var health = await client.PingAsync();
        var (version, failure) = await client.GetVersionAsync();

        Assert.True(health.IsUp, health.Failure?.Detail);
        Assert.Null(failure);
        Assert.StartsWith("ClamAV 1.", version, StringComparison.Ordinal);
    }
}
