using System.Net;
using Appliance.Protocols;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Protocols;

public sealed class ConnectionLimiterTests
{
    [Fact]
    public void Derived_limits_leave_the_descriptors_open_at_start_and_the_reserve()
    {
        var limits = ConnectionLimiter.Derive(new ConnectionLimitOptions(), descriptorLimit: 4096, openNow: 200, out var lowered);
        Assert.Null(lowered);
        Assert.Equal(4096 - 200 - 256, limits.Total);
        Assert.Equal(limits.Total * 3 / 4, limits.PerListener);
        Assert.Equal(limits.PerListener / 2, limits.PerAddress);
    }

    [Fact]
    public void A_huge_descriptor_limit_is_capped_by_the_automatic_ceiling()
    {
        var limits = ConnectionLimiter.Derive(new ConnectionLimitOptions(), descriptorLimit: 524_288, openNow: 200, out _);
        Assert.Equal(50_000, limits.Total);
    }

    [Fact]
    public void A_configured_total_beyond_the_descriptors_is_lowered_and_reported()
    {
        var limits = ConnectionLimiter.Derive(new ConnectionLimitOptions { MaxTotal = 10_000 }, descriptorLimit: 1024, openNow: 300, out var lowered);
        Assert.Equal(10_000, lowered);
        Assert.Equal(1024 - 300 - 256, limits.Total);
    }

    [Fact]
    public void Configured_limits_within_the_descriptors_are_kept()
    {
        var limits = ConnectionLimiter.Derive(new ConnectionLimitOptions { MaxTotal = 100, MaxPerListener = 40, MaxPerAddress = 5 }, descriptorLimit: 100_000, openNow: 300, out var lowered);
        Assert.Null(lowered);
        Assert.Equal((100, 40, 5), (limits.Total, limits.PerListener, limits.PerAddress));
    }

    [Fact]
    public void A_descriptor_limit_below_the_reserve_still_allows_one_connection()
    {
        var limits = ConnectionLimiter.Derive(new ConnectionLimitOptions(), descriptorLimit: 200, openNow: 190, out _);
        Assert.Equal((1, 1, 1), (limits.Total, limits.PerListener, limits.PerAddress));
    }

    [Fact]
    public void Each_limit_refuses_in_turn_and_a_release_makes_room_again()
    {
        var limiter = Limiter(new ConnectionLimitOptions { MaxTotal = 4, MaxPerListener = 3, MaxPerAddress = 2 });
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        Assert.Equal(ConnectionRefusal.None, limiter.TryAcquire("Imap", a));
        Assert.Equal(ConnectionRefusal.None, limiter.TryAcquire("Imap", a));
        Assert.Equal(ConnectionRefusal.Address, limiter.TryAcquire("Imap", a));
        // The same host as an IPv4-mapped IPv6 address is still the same host.
        Assert.Equal(ConnectionRefusal.Address, limiter.TryAcquire("Imap", a.MapToIPv6()));
        Assert.Equal(ConnectionRefusal.None, limiter.TryAcquire("Imap", b));
        Assert.Equal(ConnectionRefusal.Listener, limiter.TryAcquire("Imap", IPAddress.Parse("192.0.2.3")));
        Assert.Equal(ConnectionRefusal.None, limiter.TryAcquire("Smtp", b));
        Assert.Equal(ConnectionRefusal.Total, limiter.TryAcquire("Pop3", b));

        limiter.Release("Imap", a);
        Assert.Equal(ConnectionRefusal.None, limiter.TryAcquire("Imap", a.MapToIPv6()));
        var imap = limiter.Snapshot().Single(l => l.Listener == "Imap");
        Assert.Equal((3, 4L, 1L, 2L), (imap.Active, imap.Accepted, imap.RefusedListener, imap.RefusedAddress));
        Assert.Equal(1, limiter.Snapshot().Single(l => l.Listener == "Pop3").RefusedTotal);
        Assert.Equal(4, limiter.Active);
    }

    [Fact]
    public void Refusals_in_flight_are_bounded_and_the_rest_are_dropped()
    {
        var limiter = Limiter(new ConnectionLimitOptions { MaxRefusalsInFlight = 2 });
        Assert.True(limiter.TryBeginRefusal("Imap"));
        Assert.True(limiter.TryBeginRefusal("Imap"));
        Assert.False(limiter.TryBeginRefusal("Imap"));
        limiter.EndRefusal();
        Assert.True(limiter.TryBeginRefusal("Imap"));
        Assert.Equal(1, limiter.Snapshot().Single(l => l.Listener == "Imap").Dropped);
    }

    [Theory]
    [InlineData(-1, 0, 0, 256, 64, "MaxTotal")]
    [InlineData(0, -1, 0, 256, 64, "MaxPerListener")]
    [InlineData(0, 0, -5, 256, 64, "MaxPerAddress")]
    [InlineData(0, 0, 0, 8, 64, "ReservedFileDescriptors")]
    [InlineData(0, 0, 0, 256, 0, "MaxRefusalsInFlight")]
    public void Bad_settings_fail_start_with_their_name(int total, int perListener, int perAddress, int reserved, int refusals, string setting)
    {
        var result = new ConnectionLimitOptionsValidator().Validate(null, new ConnectionLimitOptions
        {
            MaxTotal = total, MaxPerListener = perListener, MaxPerAddress = perAddress, ReservedFileDescriptors = reserved, MaxRefusalsInFlight = refusals,
        });
        Assert.True(result.Failed);
        Assert.Contains($"Appliance:Connections:{setting}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_open_files_limit_is_read_from_proc_limits()
    {
        const string limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max processes             95364                95364                processes
            Max open files            1024                 524288               files
            Max locked memory         8388608              8388608              bytes
            """;
        Assert.Equal(1024, ProcessResources.ParseOpenFilesLimit(limits));
        Assert.Null(ProcessResources.ParseOpenFilesLimit("Max open files            unlimited            unlimited            files\n"));
        Assert.NotNull(ProcessResources.FileDescriptorLimit());
        Assert.True(ProcessResources.OpenFileDescriptors() > 3);
    }

    [Fact]
    public void Memory_fields_are_read_from_proc_status()
    {
        Assert.Equal(54168, ProcessResources.StatusKilobytes("Name:\tAppliance\nVmHWM:\t   60000 kB\nVmRSS:\t   54168 kB\n", "VmRSS:"));
        var (resident, peak) = ProcessResources.Memory();
        Assert.True(resident > 0 && peak >= resident);
    }

    private static ConnectionLimiter Limiter(ConnectionLimitOptions options) => new(Options.Create(options), NullLogger<ConnectionLimiter>.Instance);
}
