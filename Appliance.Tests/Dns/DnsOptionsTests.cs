using Appliance.Dns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Dns;

public class DnsOptionsTests
{
    private static readonly DnsOptionsValidator Validator = new();

    [Fact]
    public void Defaults_are_valid()
    {
        var options = new DnsOptions();
        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal((1232, 8, "/etc/resolv.conf"), (options.UdpPayloadSize, options.MaxCnameChain, options.ResolvConfPath));
    }

    [Theory]
    [InlineData("192.0.2.53", 53)]
    [InlineData("192.0.2.53:5353", 5353)]
    [InlineData("2001:db8::53", 53)]
    [InlineData("[2001:db8::53]:5353", 5353)]
    public void Servers_are_an_address_with_an_optional_port(string value, int port)
    {
        Assert.True(DnsOptions.TryParseServer(value, out var endPoint));
        Assert.Equal(port, endPoint.Port);
    }

    [Theory]
    [InlineData("dns.example")]
    [InlineData("192.0.2.53:0")]
    [InlineData("192.0.2.53:70000")]
    [InlineData("")]
    public void Bad_servers_are_named_with_their_index(string value)
    {
        var result = Validator.Validate(null, new DnsOptions { Servers = ["192.0.2.1", value] });
        Assert.True(result.Failed);
        Assert.Contains("Appliance:Dns:Servers:1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_out_of_range_are_named()
    {
        var result = Validator.Validate(null, new DnsOptions { TimeoutMilliseconds = 10, Attempts = 0, UdpPayloadSize = 100, MaxRecords = 1, MaxCnameChain = 99 });
        foreach (var setting in new[] { "TimeoutMilliseconds", "Attempts", "UdpPayloadSize", "MaxRecords", "MaxCnameChain" })
        {
            Assert.Contains($"Appliance:Dns:{setting}", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AddDns_binds_the_section_and_fails_fast_on_a_bad_setting()
    {
        var good = Provider(new() { ["Appliance:Dns:Servers:0"] = "127.0.0.1:5353", ["Appliance:Dns:TimeoutMilliseconds"] = "500" });
        Assert.IsType<DnsResolver>(good.GetRequiredService<IDnsResolver>());
        Assert.Same(good.GetRequiredService<IDnsResolver>(), good.GetRequiredService<IDnsResolver>());
        Assert.Equal(500, good.GetRequiredService<IOptions<DnsOptions>>().Value.TimeoutMilliseconds);

        var bad = Provider(new() { ["Appliance:Dns:Attempts"] = "0" });
        var error = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<DnsOptions>>().Value);
        Assert.Contains("Appliance:Dns:Attempts", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddDns();
        return services.BuildServiceProvider();
    }
}
