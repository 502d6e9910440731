using Appliance.Accounts;
using Appliance.Hosting;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Hosting;

/// <summary>What the administrator's dashboard reads: the queue, the certificate, the disk and the last errors, from the real host.</summary>
public sealed class ServerHealthTests
{
    [Fact]
    public async Task The_dashboard_reads_a_deferred_message_the_installed_certificate_the_data_folder_and_a_logged_error()
    {
        await using var receiver = new LoopbackSmtpReceiver { RcptReply = _ => "451 4.7.1 greylisted, come back later" };
        await using var host = await RunningHost.StartWithSmtpAsync($"--Appliance:Delivery:Routes:remote.example=127.0.0.1:{receiver.Port}");
        await host.Get<AliasService>().AddAsync(Actor.CommandLine, "partner@example.com", ["someone@remote.example"]);
        var health = host.Get<ServerHealth>();
        var before = await health.ReadAsync();
        Assert.Equal((0, 0, null), (before.Queue.Total, before.Queue.Deferred, before.Queue.Oldest));

        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=20)
            assert s.sendmail('alice@elsewhere.example', ['partner@example.com'], b'Subject: queued\r\n\r\nfor the partner\r\n') == {}
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
        await Eventually.HoldsAsync(async () => (await health.ReadAsync()).Queue.Deferred == 1, "the first attempt was deferred");
        var after = await health.ReadAsync();
        Assert.Equal(1, after.Queue.Total);
        Assert.InRange(after.Queue.Oldest!.Value, before.At.AddMinutes(-1), after.At);

        // The wizard installed a self-signed certificate for the host name, valid for two years.
        Assert.Equal(("mail.example.com", true, true), (after.Certificate.Subject, after.Certificate.Installed, after.Certificate.SelfSigned));
        Assert.InRange(after.Certificate.NotAfter, after.At.AddDays(700), after.At.AddDays(740));

        // The folder is added up in the background; the database alone takes room.
        await Eventually.HoldsAsync(async () => (await health.ReadAsync()).Disk.FolderBytes > 0, "the data folder was measured");
        var disk = (await health.ReadAsync()).Disk;
        Assert.Equal(host.DataDirectory, disk.Folder);
        Assert.InRange(disk.FreeBytes, 1, disk.TotalBytes);

        var logger = host.Get<ILoggerFactory>().CreateLogger("Appliance.Tests.Dashboard");
        logger.Log(LogLevel.Warning, new EventId(1), "only a warning", null, (s, _) => s);
        logger.Log(LogLevel.Error, new EventId(4711), "The pipe broke", new InvalidOperationException("boom"), (s, _) => s);
        var logged = (await health.ReadAsync()).Errors[0];
        Assert.Equal(("Appliance.Tests.Dashboard", 4711, LogLevel.Error), (logged.Category, logged.EventId, logged.Level));
        Assert.Equal("The pipe broke (InvalidOperationException: boom)", logged.Message);
        Assert.DoesNotContain((await health.ReadAsync()).Errors, e => e.Message.Contains("only a warning", StringComparison.Ordinal));
    }

    [Fact]
    public void Recent_errors_keep_the_newest_fifty_newest_first_and_cut_long_messages()
    {
        var time = new SteppedTime { Now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture) };
        using var errors = new RecentErrors(time);
        var logger = errors.CreateLogger("Appliance.Smtp");
        Assert.False(logger.IsEnabled(LogLevel.Warning));
        Assert.True(logger.IsEnabled(LogLevel.Critical));

        for (var i = 0; i < RecentErrors.Capacity + 10; i++)
        {
            time.Now = time.Now.AddSeconds(1);
            logger.Log(LogLevel.Error, default, $"error {i}", null, (s, _) => s);
        }
        logger.Log(LogLevel.Critical, default, new string('x', 2 * RecentErrors.MaxMessageLength), null, (s, _) => s);

        var latest = errors.Latest(100);
        Assert.Equal(RecentErrors.Capacity, latest.Count);
        Assert.Equal(RecentErrors.MaxMessageLength, latest[0].Message.Length);
        Assert.EndsWith("…", latest[0].Message, StringComparison.Ordinal);
        Assert.Equal(["error 59", "error 58"], latest.Skip(1).Take(2).Select(e => e.Message));
        Assert.Equal("error 11", latest[^1].Message);
        Assert.Equal(time.Now, latest[1].At);
    }

    private sealed class SteppedTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
