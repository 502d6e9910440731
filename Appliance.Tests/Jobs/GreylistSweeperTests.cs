using System.Net;
using Appliance.Filtering.Uce;
using Appliance.Jobs;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Jobs;

/// <summary>The hourly sweep forgets triplets past the console's expiry and retry window, and keeps the recent ones.</summary>
public sealed class GreylistSweeperTests
{
    [Fact]
    public async Task Old_triplets_are_purged_and_recent_ones_kept()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        await using var services = await TestServices.CreateAsync(time: time, configure: s => s.AddUce());
        var grey = services.Get<Greylisting>();
        var settings = (await services.Get<UceSettingsStore>().GetServerAsync()).Greylisting;
        settings.Enabled = true;
        var sweeper = new GreylistSweeper(grey, services.Get<UceSettingsStore>(), NullLogger<GreylistSweeper>.Instance);

        // A triplet never retried, and one that passed and was then not seen again.
        await grey.CheckAsync(IPAddress.Parse("192.0.2.1"), "never@elsewhere.example", "bob@example.com", settings, default);
        await grey.CheckAsync(IPAddress.Parse("198.51.100.1"), "passed@elsewhere.example", "bob@example.com", settings, default);
        time.Advance(TimeSpan.FromSeconds(settings.DelaySeconds + 1));
        Assert.Equal(GreylistStatus.Passed, (await grey.CheckAsync(IPAddress.Parse("198.51.100.1"), "passed@elsewhere.example", "bob@example.com", settings, default)).Status);

        Assert.Equal(0, await sweeper.SweepAsync());
        Assert.Equal(2, await CountAsync(services));

        time.Advance(TimeSpan.FromHours(settings.RetryWindowHours + 1));
        await grey.CheckAsync(IPAddress.Parse("203.0.113.1"), "recent@elsewhere.example", "bob@example.com", settings, default);
        Assert.Equal(1, await sweeper.SweepAsync());
        Assert.Equal(2, await CountAsync(services));

        time.Advance(TimeSpan.FromDays(settings.ExpiryDays));
        Assert.True(await sweeper.SweepAsync() >= 2);
        Assert.Equal(0, await CountAsync(services));
    }

    private static async Task<int> CountAsync(TestServices services)
    {
        await using var connection = await services.Get<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM greylist");
    }
}
