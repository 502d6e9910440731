using System.Net;
using Appliance.Filtering.Uce;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Filtering.Uce;

public sealed class GreylistingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private TestServices _services = null!;
    private Greylisting _grey = null!;
    private readonly GreylistingSettings _settings = new() { Enabled = true, DelaySeconds = 300, RetryWindowHours = 48, AutoAllowAfter = 3, ExpiryDays = 35 };

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync(time: _time, configure: s => s.AddUce());
        _grey = _services.Get<Greylisting>();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private Task<GreylistResult> Check(string client, string sender = "alice@elsewhere.example", string recipient = "bob@example.com") =>
        _grey.CheckAsync(IPAddress.Parse(client), sender, recipient, _settings, default);

    [Theory]
    [InlineData("192.0.2.77", "192.0.2.0/24")]
    [InlineData("::ffff:192.0.2.77", "192.0.2.0/24")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    public void Clients_are_taken_by_their_network(string client, string network) =>
        Assert.Equal(network, Greylisting.ClientNetwork(IPAddress.Parse(client)));

    [Fact]
    public async Task A_first_message_waits_the_delay_and_a_retry_after_it_passes()
    {
        var first = await Check("192.0.2.1");
        Assert.Equal(new GreylistResult(GreylistStatus.Deferred, TimeSpan.FromSeconds(300)), first);

        _time.Advance(TimeSpan.FromSeconds(60));
        var early = await Check("192.0.2.1");
        Assert.Equal(GreylistStatus.Deferred, early.Status);
        Assert.Equal(TimeSpan.FromSeconds(240), early.RetryAfter);

        // The retry comes from another address of the same /24, as big senders' pools do.
        _time.Advance(TimeSpan.FromSeconds(241));
        Assert.Equal(GreylistStatus.Passed, (await Check("192.0.2.200")).Status);
        _time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(GreylistStatus.Passed, (await Check("192.0.2.1")).Status);

        // Another sender, recipient or network is a new triplet.
        Assert.Equal(GreylistStatus.Deferred, (await Check("192.0.2.1", sender: "carol@elsewhere.example")).Status);
        Assert.Equal(GreylistStatus.Deferred, (await Check("192.0.2.1", recipient: "dave@example.com")).Status);
        Assert.Equal(GreylistStatus.Deferred, (await Check("192.0.3.1")).Status);
    }

    [Fact]
    public async Task A_retry_after_the_window_starts_over_and_a_passed_triplet_expires()
    {
        await Check("198.51.100.1");
        _time.Advance(TimeSpan.FromHours(49));
        Assert.Equal(new GreylistResult(GreylistStatus.Deferred, TimeSpan.FromSeconds(300)), await Check("198.51.100.1"));
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(GreylistStatus.Passed, (await Check("198.51.100.1")).Status);

        _time.Advance(TimeSpan.FromDays(36));
        Assert.Equal(GreylistStatus.Deferred, (await Check("198.51.100.1")).Status);
    }

    [Fact]
    public async Task A_network_that_passed_often_enough_is_let_through_at_once_until_it_expires()
    {
        for (var i = 0; i < 3; i++)
        {
            var recipient = $"user{i}@example.com";
            Assert.Equal(GreylistStatus.Deferred, (await Check("203.0.113.5", recipient: recipient)).Status);
            _time.Advance(TimeSpan.FromMinutes(6));
            Assert.Equal(GreylistStatus.Passed, (await Check("203.0.113.5", recipient: recipient)).Status);
        }
        Assert.Equal(GreylistStatus.AutoAllowed, (await Check("203.0.113.9", sender: "new@elsewhere.example", recipient: "new@example.com")).Status);

        _time.Advance(TimeSpan.FromDays(36));
        Assert.Equal(GreylistStatus.Deferred, (await Check("203.0.113.9", sender: "other@elsewhere.example")).Status);
    }

    [Fact]
    public async Task The_purge_forgets_what_expired()
    {
        await Check("192.0.2.1");
        _time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(1, await _grey.PurgeAsync(_settings, default));
        Assert.Equal(0, await _grey.PurgeAsync(_settings, default));
    }
}
