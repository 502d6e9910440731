using Appliance.Filtering.Uce;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Filtering.Uce;

public sealed class RateCounterTests
{
    [Fact]
    public void A_key_gets_its_limit_per_window_and_the_previous_window_weighs_on_the_next()
    {
        var time = new FakeTimeProvider();
        var counter = new RateCounter(time, TimeSpan.FromMinutes(1), 1000);
        for (var i = 0; i < 10; i++) Assert.True(counter.TryTake("192.0.2.1", 10));
        Assert.False(counter.TryTake("192.0.2.1", 10));
        Assert.True(counter.TryTake("192.0.2.2", 10));

        // Just past the window's end, the previous window still counts almost fully: no burst of 2x at the edge.
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.False(counter.TryTake("192.0.2.1", 10));
        // Half-way through the next window, half of the previous one remains.
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(counter.TryTake("192.0.2.1", 10));
        // Two windows later, everything is forgotten.
        time.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 10; i++) Assert.True(counter.TryTake("192.0.2.1", 10));
    }

    [Fact]
    public void A_limit_of_zero_is_off()
    {
        var counter = new RateCounter(new FakeTimeProvider(), TimeSpan.FromMinutes(1), 100);
        for (var i = 0; i < 1000; i++) Assert.True(counter.TryTake("x", 0));
    }

    [Fact]
    public void A_flood_of_keys_stays_within_the_bound()
    {
        var time = new FakeTimeProvider();
        var counter = new RateCounter(time, TimeSpan.FromMinutes(1), 1000);
        for (var i = 0; i < 50_000; i++)
        {
            counter.TryTake("client-" + i, 5);
            if (i % 997 == 0) time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.InRange(counter.Count, 1, 1000);
    }
}
