using Appliance.Hosting;

namespace Appliance.Tests.Hosting;

public class ListenerOptionsTests
{
    private static readonly ListenerOptionsValidator Validator = new();

    [Fact]
    public void Development_defaults_are_valid_and_distinct()
    {
        var o = new ListenerOptions();
        Assert.True(Validator.Validate(null, o).Succeeded);
        Assert.Equal([5080, 5443, 2525, 2587, 2465, 2143, 2993, 2110, 2995, 24190], o.All().Select(l => l.Port));
        Assert.Equal("127.0.0.1", o.Address);
    }

    [Fact]
    public void Port_out_of_range_names_the_setting()
    {
        var result = Validator.Validate(null, new ListenerOptions { Smtp = 70000 });
        Assert.True(result.Failed);
        Assert.Contains("Appliance:Listeners:Smtp", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("70000", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_listeners_on_one_port_are_named()
    {
        var result = Validator.Validate(null, new ListenerOptions { Imap = 2525 });
        Assert.True(result.Failed);
        Assert.Contains("Appliance:Listeners:Smtp and Appliance:Listeners:Imap", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_turns_a_listener_off_and_several_may_be_off()
    {
        Assert.True(Validator.Validate(null, new ListenerOptions { Smtp = 0, Imap = 0, Pop3 = 0, Https = 0 }).Succeeded);
        Assert.True(Validator.Validate(null, new ListenerOptions { Http = 0, Https = 0 }).Failed);
    }

    [Fact]
    public void Bad_bind_address_is_named() =>
        Assert.Contains("Appliance:Listeners:Address", Validator.Validate(null, new ListenerOptions { Address = "everywhere" }).FailureMessage, StringComparison.Ordinal);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(301.0)]
    public void Tls_handshake_timeout_out_of_range_is_named(double seconds)
    {
        var result = Validator.Validate(null, new ListenerOptions { TlsHandshakeTimeout = TimeSpan.FromSeconds(seconds) });
        Assert.True(result.Failed);
        Assert.Contains("Appliance:Listeners:TlsHandshakeTimeout must be between 00:00:01 and 00:05:00", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_handshake_timeout_defaults_to_ten_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(10), new ListenerOptions().TlsHandshakeTimeout);
}
